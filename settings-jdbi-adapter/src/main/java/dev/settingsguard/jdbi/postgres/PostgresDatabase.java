package dev.settingsguard.jdbi.postgres;

import dev.settingsguard.core.InvalidInputException;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.jdbi.ChangeSignal;
import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.TransactionMode;
import dev.settingsguard.jdbi.postgres.internal.NotificationSignal;
import dev.settingsguard.jdbi.postgres.internal.OwnedPool;
import dev.settingsguard.jdbi.postgres.internal.PostgresErrors;
import dev.settingsguard.jdbi.postgres.internal.PostgresSchema;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;

/**
 * One PostgreSQL database, shared by applications on any number of machines: the library's tables
 * in the connection's current schema, a connection pool, and the transactions that decorators open
 * around whole operations.
 *
 * <p>Every statement runs with {@code lock_timeout} set to the lock timeout (so every lock wait,
 * the advisory lock's and a row's alike, ends in {@code SettingsBusyException}) and {@code
 * idle_in_transaction_session_timeout} too (so a client that stops mid-transaction cannot hold the
 * lock for ever): the owned pool sets both when it opens a session, and on an application's data
 * source each transaction sets them for itself in its first statement. In {@link
 * TransactionMode#EXCLUSIVE} mode ({@code POSTGRES_ADVISORY_LOCK}) a transaction first takes the
 * schema's transaction-scoped advisory lock (on an application's data source, in the statement that
 * sets its bounds), which excludes every other writer that takes it, on any machine, until commit
 * or rollback; the server releases it when a client dies. Transactions are {@code READ COMMITTED},
 * so each statement after the lock sees every commit made before it was granted.
 */
public final class PostgresDatabase extends Database {

  /**
   * The writers' advisory lock of the current schema. Spelled in SQL, so that another program that
   * writes these tables can take the same lock in its own transactions.
   */
  public static final String WRITERS_LOCK =
      "pg_advisory_xact_lock(hashtext('settings-guard writers ' || current_schema()))";

  /**
   * Takes the lock in a transaction of the owned pool. Its key is hashed from the schema's name in
   * each transaction, as another program's {@link #WRITERS_LOCK} is: the same lock whatever schema
   * the connection resolves then; the hash costs no measurable time.
   */
  private static final String WRITERS_LOCK_STATEMENT = "SELECT " + WRITERS_LOCK;

  private final String name;
  private final Identity identity;
  private final Duration lockTimeout;
  private final DataSource dataSource;
  private final DataSource ownedPool; // null when the application's data source is used
  private final Jdbi jdbi;

  /** Sets the bounds of a transaction on a connection of the application's data source. */
  private final String boundsStatement;

  /** {@link #boundsStatement} that also takes the writers' lock: one round trip for both. */
  private final String exclusiveBoundsStatement;

  private PostgresDatabase(
      Identity identity,
      Duration lockTimeout,
      DataSource dataSource,
      DataSource ownedPool,
      Jdbi jdbi) {
    this.identity = identity;
    this.dataSource = dataSource;
    this.name = identity.toString();
    this.lockTimeout = lockTimeout;
    this.ownedPool = ownedPool;
    this.jdbi = jdbi;
    String timeout = "'" + Math.max(1, lockTimeout.toMillis()) + "ms'";
    this.boundsStatement =
        "SELECT set_config('lock_timeout', "
            + timeout
            + ", true), set_config('idle_in_transaction_session_timeout', "
            + timeout
            + ", true)";
    this.exclusiveBoundsStatement = boundsStatement + ", " + WRITERS_LOCK + "::text";
  }

  /**
   * Opens a pool of its own on the URL and migrates the schema; the pool closes with the database.
   *
   * @param jdbcUrl a pgjdbc URL, e.g. {@code jdbc:postgresql://db:5432/app?user=app&password=…};
   *     {@code currentSchema} selects a schema other than the user's default
   * @param lockTimeout the bound on every wait for a lock or a connection
   * @return the open database
   * @throws IllegalStateException if pgjdbc or HikariCP is not on the class path, naming it
   * @throws SettingsStorageException if the server cannot be reached in time or the schema is newer
   *     than this library's; the message never holds the password
   */
  public static PostgresDatabase open(String jdbcUrl, Duration lockTimeout) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(lockTimeout, "lockTimeout");
    requireOnClassPath("org.postgresql.Driver", "org.postgresql:postgresql");
    requireOnClassPath("com.zaxxer.hikari.HikariDataSource", "com.zaxxer:HikariCP");
    String redacted = redact(jdbcUrl);
    DataSource pool = OwnedPool.open(jdbcUrl, lockTimeout);
    try {
      return open(pool, pool, redacted, lockTimeout);
    } catch (RuntimeException failure) {
      OwnedPool.close(pool);
      throw failure;
    }
  }

  /**
   * Uses the application's data source, which the database never closes, and migrates the schema.
   * Its own settings bound the waits for a connection and for the server's answers.
   *
   * @param dataSource connections to a PostgreSQL database
   * @param lockTimeout the bound on every wait for a lock
   * @return the open database
   * @throws SettingsStorageException if no connection can be had or the schema is newer than this
   *     library's
   */
  public static PostgresDatabase open(DataSource dataSource, Duration lockTimeout) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(lockTimeout, "lockTimeout");
    return open(
        dataSource, null, "data source " + dataSource.getClass().getSimpleName(), lockTimeout);
  }

  private static PostgresDatabase open(
      DataSource dataSource, DataSource ownedPool, String displayName, Duration lockTimeout) {
    Jdbi jdbi = Jdbi.create(dataSource);
    try (Handle handle = jdbi.open()) {
      if (!handle.getConnection().getAutoCommit()) {
        // Every step outside a transaction would then be rolled back when its handle closes.
        throw new IllegalStateException(
            "The data source of settings database "
                + displayName
                + " hands out connections with auto-commit off; the store needs the JDBC default,"
                + " auto-commit on");
      }
      String schema = handle.createQuery("SELECT current_schema()").mapTo(String.class).one();
      if (schema == null) {
        throw new SettingsStorageException(
            "Cannot open settings database "
                + displayName
                + ": no schema of its search_path exists; create one or set currentSchema",
            null);
      }
      PostgresSchema.migrate(handle, displayName + " (schema " + schema + ")", lockTimeout);
      return new PostgresDatabase(
          identify(handle, schema), lockTimeout, dataSource, ownedPool, jdbi);
    } catch (SettingsException | IllegalStateException failure) {
      throw failure;
    } catch (SQLException | RuntimeException failure) {
      SettingsException translated = PostgresErrors.translate(failure, displayName, lockTimeout);
      throw new SettingsStorageException(
          "Cannot open settings database " + displayName + ": " + translated.getMessage(), null);
    }
  }

  /**
   * The cluster's system identifier where the user may read it (two addresses of one server then
   * give one identity), else the address and port the server answered on; then the database and the
   * schema.
   */
  private static Identity identify(Handle handle, String schema) {
    String server =
        handle
            .createQuery(
                "SELECT coalesce(host(inet_server_addr()), 'local socket') || ':'"
                    + " || coalesce(inet_server_port(), 0)")
            .mapTo(String.class)
            .one();
    String cluster;
    try {
      // In auto-commit mode (checked at open) a refused statement leaves the session usable.
      cluster =
          handle
              .createQuery("SELECT system_identifier::text FROM pg_control_system()")
              .mapTo(String.class)
              .one();
    } catch (RuntimeException notPermitted) {
      cluster = server;
    }
    String database = handle.createQuery("SELECT current_database()").mapTo(String.class).one();
    return new Identity(cluster, server, database, schema);
  }

  /**
   * The URL without the values of its password parameters ({@code password}, {@code sslpassword}
   * and any other {@code …password}), each up to the next {@code &}, as pgjdbc reads them.
   *
   * @param jdbcUrl a pgjdbc URL
   * @return the URL fit for messages and logs
   */
  public static String redact(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)([?&][^=&]*password=)[^&]*", "$1***");
  }

  private static void requireOnClassPath(String className, String artifact) {
    try {
      Class.forName(className, false, PostgresDatabase.class.getClassLoader());
    } catch (ClassNotFoundException missing) {
      throw new IllegalStateException(
          "The PostgreSQL backend needs "
              + artifact
              + " on the class path: add it as a dependency");
    }
  }

  /**
   * @return the server (its cluster identifier, where readable), the database and the schema, as
   *     the server sees them: two URLs that reach the same schema give equal identities
   */
  @Override
  public Object identity() {
    return identity;
  }

  @Override
  public String name() {
    return name;
  }

  /** {@code PostgresAdvisoryLock} or {@code PostgresTransaction}. */
  @Override
  public String describe(TransactionMode mode) {
    return mode == TransactionMode.EXCLUSIVE ? "PostgresAdvisoryLock" : "PostgresTransaction";
  }

  @Override
  public void setSqlLogger(SqlLogger logger) {
    jdbi.setSqlLogger(logger);
  }

  /** PostgreSQL's {@code text} cannot hold U+0000, which the port's rules allow in values. */
  @Override
  public void checkStorable(String field, String text) {
    if (text != null && text.indexOf('\u0000') >= 0) {
      throw new InvalidInputException(
          field, "must not contain the character U+0000, which PostgreSQL text cannot hold");
    }
  }

  /**
   * Also sends {@code pg_notify} on {@link NotificationSignal#CHANNEL}, in the same round trip: the
   * server delivers it when the write commits, and drops it when the write rolls back.
   */
  @Override
  protected String nextRevisionStatement(String count) {
    return "UPDATE settings_revision SET revision = revision + "
        + count
        + " RETURNING revision,"
        + " pg_notify('"
        + NotificationSignal.CHANNEL
        + "', current_schema())";
  }

  /** A data-modifying {@code WITH} writes a row and logs it in one statement. */
  @Override
  protected boolean logsInWritingStatement() {
    return true;
  }

  /**
   * Listens on a connection of the pool's (the owned pool's, or the application's data source's),
   * held while a watch is open.
   */
  @Override
  protected ChangeSignal openChangeSignal() {
    try {
      return NotificationSignal.open(name, dataSource.getConnection());
    } catch (SQLException | RuntimeException failure) {
      throw PostgresErrors.translate(failure, name, lockTimeout);
    }
  }

  @Override
  protected <R> R onHandle(HandleCallback<R, RuntimeException> step) {
    try {
      return jdbi.withHandle(step);
    } catch (RuntimeException failure) {
      throw PostgresErrors.translate(failure, name, lockTimeout);
    }
  }

  /**
   * Begins a transaction; the driver sends its {@code BEGIN} with the first statement. On the owned
   * pool, whose sessions carry the bounds ({@code lock_timeout}, {@code
   * idle_in_transaction_session_timeout}) from their start, nothing is sent here: {@link
   * TransactionMode#EXCLUSIVE} leaves the writers' advisory lock to the first step, which sends it
   * in its own round trip (a write's first step, in one round trip with the write). On an
   * application's data source, one statement first makes the transaction {@code READ COMMITTED},
   * and one sets its bounds (and takes the lock).
   *
   * <p>Transactions are {@code READ COMMITTED}: each statement sent after the lock's, even in the
   * same round trip, takes its snapshot after the lock was granted.
   */
  @Override
  protected String begin(Handle handle, TransactionMode mode) {
    handle.begin();
    if (ownedPool != null) {
      return mode == TransactionMode.EXCLUSIVE ? WRITERS_LOCK_STATEMENT : null;
    }
    try {
      // The owned pool's connections are READ COMMITTED; an application's may default to a
      // snapshot taken before the lock is granted.
      control(handle, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
      control(
          handle, mode == TransactionMode.EXCLUSIVE ? exclusiveBoundsStatement : boundsStatement);
      return null;
    } catch (SettingsBusyException lockNotGranted) {
      rollback(handle, lockNotGranted);
      throw beginningRefused(lockNotGranted, true);
    } catch (RuntimeException | Error failure) {
      rollback(handle, failure);
      throw failure;
    }
  }

  /**
   * Names the writers' advisory lock: the only lock its statement waits for, and the likeliest one
   * in a round trip that sends the write's statements with it, since another writer of the library
   * holds it whenever it writes.
   */
  @Override
  protected SettingsBusyException beginningRefused(SettingsBusyException busy, boolean alone) {
    return new SettingsBusyException(
        "advisory lock of the writers of "
            + name
            + (alone ? "" : ", or a row or table lock of the statements sent with it"),
        lockTimeout);
  }

  /**
   * @throws SettingsStorageException saying the outcome is unknown if the connection was lost
   *     during {@code COMMIT}
   */
  @Override
  protected void commit(Handle handle) {
    try {
      handle.commit();
    } catch (RuntimeException failure) {
      if (PostgresErrors.isConnectionLost(PostgresErrors.sqlState(failure))) {
        throw new SettingsStorageException(
            "Lost the connection to settings database "
                + name
                + " during COMMIT: the write may or may not have been committed; read to find out",
            null);
      }
      throw failure;
    }
  }

  /** A lost connection has rolled the transaction back on the server already: not a fault. */
  @Override
  protected void rollback(Handle handle, Throwable failure) {
    try {
      handle.rollback();
    } catch (RuntimeException rollbackFailure) {
      if (!PostgresErrors.isConnectionLost(PostgresErrors.sqlState(rollbackFailure))) {
        failure.addSuppressed(PostgresErrors.translate(rollbackFailure, name, lockTimeout));
      }
    }
  }

  /**
   * Savepoints are plain SQL, not Jdbi's, which keeps one savepoint per name, and never released: a
   * {@code RELEASE} would cost a round trip per write of a batch, and they all end with the
   * transaction. Each has a name of its own, so {@code ROLLBACK TO} one never set fails rather than
   * finding an older one.
   */
  @Override
  protected void savepoint(Handle handle, int savepoint) {
    control(handle, savepointStatement(savepoint));
  }

  @Override
  protected void releaseSavepoint(Handle handle, int savepoint) {}

  @Override
  protected boolean releasesSavepoints() {
    return false;
  }

  @Override
  protected boolean rollbackToSavepoint(Handle handle, int savepoint, Throwable failure) {
    try {
      control(handle, "ROLLBACK TO SAVEPOINT operation_" + savepoint);
      return true;
    } catch (RuntimeException undoFailure) {
      if (!PostgresErrors.isConnectionLost(PostgresErrors.sqlState(undoFailure))) {
        failure.addSuppressed(undoFailure);
      }
      return false;
    }
  }

  /**
   * pgjdbc sends the statements of one string together, and the server runs them in order, each
   * after the one before has succeeded.
   */
  @Override
  protected boolean sendsStatementsTogether() {
    return true;
  }

  /** Runs a transaction's own statement on the handle's connection, past Jdbi and its logger. */
  private void control(Handle handle, String sql) {
    try (Statement statement = handle.getConnection().createStatement()) {
      statement.execute(sql);
    } catch (SQLException failure) {
      throw PostgresErrors.translate(failure, name, lockTimeout);
    }
  }

  /** Closes the pool it opened; the application's data source is left open. Idempotent. */
  @Override
  public void close() {
    if (ownedPool != null) {
      OwnedPool.close(ownedPool);
    }
  }

  @Override
  public String toString() {
    return "PostgresDatabase[" + name + "]";
  }

  /**
   * The schema as the server names it; equal for every URL that reaches it. The address only names
   * it in messages, unless the cluster's identifier could not be read.
   */
  private record Identity(String cluster, String server, String database, String schema) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Identity that
          && cluster.equals(that.cluster)
          && database.equals(that.database)
          && schema.equals(that.schema);
    }

    @Override
    public int hashCode() {
      return Objects.hash(cluster, database, schema);
    }

    @Override
    public String toString() {
      return "postgresql://" + server + "/" + database + " (schema " + schema + ")";
    }
  }
}

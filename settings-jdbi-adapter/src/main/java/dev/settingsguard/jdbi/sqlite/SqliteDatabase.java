package dev.settingsguard.jdbi.sqlite;

import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.internal.OwnerOnlyFiles;
import dev.settingsguard.jdbi.ChangeSignal;
import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.TransactionMode;
import dev.settingsguard.jdbi.sqlite.internal.ConnectionPool;
import dev.settingsguard.jdbi.sqlite.internal.DataVersionSignal;
import dev.settingsguard.jdbi.sqlite.internal.ReusedStatements;
import dev.settingsguard.jdbi.sqlite.internal.Schema;
import dev.settingsguard.jdbi.sqlite.internal.SqlErrors;
import dev.settingsguard.jdbi.sqlite.internal.TimedBusyHandler;
import dev.settingsguard.jdbi.sqlite.internal.WalRestarts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.BusyHandler;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite database file: its schema, a pool of configured connections, and the transactions that
 * decorators open around whole operations.
 *
 * <p>Every connection uses WAL, the chosen {@code synchronous} level, foreign keys, and a busy
 * handler bounded by the lock timeout. {@code IMMEDIATE} transactions restart a WAL that writers of
 * several processes let grow ({@link WalRestarts}). The file is created readable and writable by
 * its owner only; SQLite gives its {@code -wal} and {@code -shm} files the same mode.
 *
 * <p>Transactions are begun with plain SQL on a connection left in JDBC auto-commit mode. The
 * driver's own transaction support issues {@code BEGIN} on {@code setAutoCommit(false)} and again
 * right after every {@code commit()}; in {@code IMMEDIATE} mode that would take the write lock a
 * second time per operation.
 */
public final class SqliteDatabase extends Database {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);

  private final Path path;
  private final Object identity;
  private final Duration lockTimeout;
  private final ConnectionPool pool;
  private final ReusedStatements statements = new ReusedStatements();
  private final Jdbi jdbi;
  private final WalRestarts walRestarts;

  private SqliteDatabase(Path path, Object identity, Duration lockTimeout, ConnectionPool pool) {
    this.path = path;
    this.identity = identity;
    this.lockTimeout = lockTimeout;
    this.pool = pool;
    this.jdbi = Jdbi.create(pool).setStatementBuilderFactory(statements);
    this.walRestarts = new WalRestarts(path, pool);
  }

  /**
   * Opens the database file, creating it if absent, and migrates its schema.
   *
   * @param file the database file; its parent directory must exist
   * @param synchronous the durability level of commits
   * @param lockTimeout how long any statement may wait for a SQLite lock
   * @return the open database
   * @throws SettingsStorageException naming the path if the file cannot be created or opened, is
   *     not a SQLite database, or has a newer schema
   * @throws SettingsBusyException if the schema must be migrated and another connection kept the
   *     write lock for the whole lock timeout
   */
  public static SqliteDatabase open(Path file, Synchronous synchronous, Duration lockTimeout) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(synchronous, "synchronous");
    Objects.requireNonNull(lockTimeout, "lockTimeout");
    Path canonical = createOwnerOnly(file.toAbsolutePath().normalize());
    SQLiteConfig config = new SQLiteConfig();
    config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous.name()));
    config.enforceForeignKeys(true);
    config.setJournalSizeLimit(WalRestarts.WAL_LIMIT_BYTES);
    config.setPragma(
        SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, String.valueOf(WalRestarts.AUTOCHECKPOINT_PAGES));
    String url = "jdbc:sqlite:" + canonical;
    ConnectionPool pool =
        new ConnectionPool(
            () -> {
              Connection connection = config.createConnection(url);
              BusyHandler.setHandler(connection, new TimedBusyHandler(lockTimeout));
              return connection;
            });
    SqliteDatabase database = new SqliteDatabase(canonical, fileKey(canonical), lockTimeout, pool);
    try {
      if (needsMigration(url, canonical, lockTimeout)) {
        database.withHandle(
            handle -> {
              Schema.migrate(handle, canonical);
              return null;
            });
      }
    } catch (SettingsBusyException busy) {
      // Another writer kept the lock the migration needs: busy, like any other wait for it.
      pool.close();
      throw busy;
    } catch (RuntimeException failure) {
      pool.close();
      throw new SettingsStorageException(
          "Cannot open settings database " + canonical + ": " + failure.getMessage(), failure);
    }
    return database;
  }

  /**
   * Checks the file on a read-only connection: a file that is refused must stay byte for byte as it
   * was, and closing a writable connection would checkpoint its WAL into it.
   */
  private static boolean needsMigration(String url, Path canonical, Duration lockTimeout) {
    SQLiteConfig readOnly = new SQLiteConfig();
    readOnly.setReadOnly(true);
    try (Connection connection = readOnly.createConnection(url)) {
      BusyHandler.setHandler(connection, new TimedBusyHandler(lockTimeout));
      try (Handle handle = Jdbi.open(connection)) {
        return Schema.needsMigration(handle, canonical);
      }
    } catch (SQLException | RuntimeException failure) {
      // A refusal of Schema's is a SettingsException already and comes through unchanged.
      throw SqlErrors.translate(failure, canonical, lockTimeout, Duration.ZERO);
    }
  }

  /**
   * Creates the file if absent and checks that it is one regular file with one name: SQLite names a
   * database's {@code -wal} and {@code -shm} files after the name it was opened by, and the
   * strategies' locks are keyed by it, so two names of one file would be two databases to both, and
   * writes through each would corrupt the other's.
   */
  private static Path createOwnerOnly(Path file) {
    try {
      OwnerOnlyFiles.createIfAbsent(file);
      Path canonical = file.toRealPath();
      if (!Files.isRegularFile(canonical)) {
        throw cannotOpen(file, "not a regular file");
      }
      if (canonical.getFileSystem().supportedFileAttributeViews().contains("unix")) {
        int links = (Integer) Files.getAttribute(canonical, "unix:nlink");
        if (links > 1) {
          throw cannotOpen(
              canonical,
              "it has "
                  + links
                  + " hard links, and SQLite would take each name for another database; remove"
                  + " all names but one");
        }
      }
      return canonical;
    } catch (NoSuchFileException missingParent) {
      throw new SettingsStorageException(
          "Cannot open settings database " + file + ": its directory does not exist",
          missingParent);
    } catch (IOException failure) {
      throw new SettingsStorageException(
          "Cannot open settings database " + file + ": " + failure, failure);
    }
  }

  private static SettingsStorageException cannotOpen(Path file, String reason) {
    return new SettingsStorageException(
        "Cannot open settings database " + file + ": " + reason, null);
  }

  private static Object fileKey(Path canonical) {
    try {
      Object key = Files.readAttributes(canonical, BasicFileAttributes.class).fileKey();
      return key == null ? canonical : key;
    } catch (IOException failure) {
      throw new SettingsStorageException(
          "Cannot open settings database " + canonical + ": " + failure, failure);
    }
  }

  /**
   * @return the file's device and inode, where the file system has them: equal whatever name
   *     reaches the file
   */
  @Override
  public Object identity() {
    return identity;
  }

  /**
   * @return the canonical path of the database file
   */
  public Path path() {
    return path;
  }

  /**
   * @return how long a statement may wait for a SQLite lock
   */
  public Duration lockTimeout() {
    return lockTimeout;
  }

  @Override
  public String name() {
    return path.toString();
  }

  /**
   * {@code SqliteImmediate} for {@code BEGIN IMMEDIATE}, {@code SqliteDeferred} for {@code BEGIN}.
   */
  @Override
  public String describe(TransactionMode mode) {
    return mode == TransactionMode.EXCLUSIVE ? "SqliteImmediate" : "SqliteDeferred";
  }

  /** Transactions' own statements do not go through Jdbi, so the logger does not see them. */
  @Override
  public void setSqlLogger(SqlLogger logger) {
    jdbi.setSqlLogger(logger);
  }

  /**
   * Runs a callback with a handle, translating failures into the port's exceptions. Called within
   * {@link #inTransaction}, the callback receives the transaction's handle.
   *
   * @param callback the work, one statement within a transaction
   * @param <R> the result type
   * @return the callback's result
   */
  @Override
  protected <R> R onHandle(HandleCallback<R, RuntimeException> callback) {
    long start = System.nanoTime();
    try {
      return jdbi.withHandle(callback);
    } catch (RuntimeException failure) {
      throw SqlErrors.translate(
          failure, path, lockTimeout, Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * {@code BEGIN IMMEDIATE} for {@link TransactionMode#EXCLUSIVE}, after restarting a long WAL; a
   * deferred {@code BEGIN} for {@link TransactionMode#ATOMIC}.
   */
  @Override
  protected String begin(Handle handle, TransactionMode mode) {
    if (mode == TransactionMode.EXCLUSIVE) {
      walRestarts.beforeImmediateTransaction(sql -> control(handle, sql));
    }
    control(handle, mode == TransactionMode.EXCLUSIVE ? "BEGIN IMMEDIATE" : "BEGIN");
    return null;
  }

  @Override
  protected void commit(Handle handle) {
    control(handle, "COMMIT");
  }

  @Override
  protected void rollback(Handle handle, Throwable failure) {
    undo(handle, failure, "ROLLBACK");
  }

  @Override
  protected void savepoint(Handle handle, int savepoint) {
    control(handle, savepointStatement(savepoint));
  }

  /** Each is released when its work succeeds, or rolled back to and released when it fails. */
  @Override
  protected boolean releasesSavepoints() {
    return true;
  }

  /**
   * Released, unlike PostgreSQL's: SQLite's pager looks at every open savepoint for each page a
   * statement writes, so savepoints left open slow every later write of a batch more than a {@code
   * RELEASE} costs.
   */
  @Override
  protected void releaseSavepoint(Handle handle, int savepoint) {
    control(handle, "RELEASE operation_" + savepoint);
  }

  /**
   * Fails when SQLite has rolled back the whole transaction after the failure, as it does after
   * some errors (a full disk, a trigger's {@code RAISE(ROLLBACK, …)}): then each later statement
   * would commit on its own, so nothing more may run in it.
   */
  @Override
  protected boolean rollbackToSavepoint(Handle handle, int savepoint, Throwable failure) {
    return undo(
        handle, failure, "ROLLBACK TO operation_" + savepoint, "RELEASE operation_" + savepoint);
  }

  /**
   * Runs the statements that undo a failed operation. When they fail because SQLite has already
   * rolled the whole transaction back itself, that is what was wanted and the failure carries no
   * complaint about it; any other failure of theirs is added to it as suppressed.
   *
   * @return whether they ran
   */
  private boolean undo(Handle handle, Throwable failure, String... undoStatements) {
    long start = System.nanoTime();
    try {
      for (String sql : undoStatements) {
        statements.execute(handle.getConnection(), sql);
      }
      return true;
    } catch (SQLException undoFailure) {
      if (!SqlErrors.isTransactionEnded(undoFailure)) {
        failure.addSuppressed(translated(undoFailure, start));
      }
      return false;
    }
  }

  /**
   * Runs a transaction's own statement on the connection's reused prepared statement rather than
   * through Jdbi, whose statement set-up takes longer than SQLite takes to run a {@code SAVEPOINT}
   * or its {@code RELEASE}, which every write of a batch runs.
   *
   * @throws dev.settingsguard.core.SettingsException translated as {@link #onHandle} translates
   *     failures, so that a busy {@code BEGIN IMMEDIATE} is a {@code SettingsBusyException}
   */
  private void control(Handle handle, String sql) {
    long start = System.nanoTime();
    try {
      statements.execute(handle.getConnection(), sql);
    } catch (SQLException failure) {
      throw translated(failure, start);
    }
  }

  private RuntimeException translated(SQLException failure, long start) {
    return SqlErrors.translate(
        failure, path, lockTimeout, Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * Rebuilds the file ({@code VACUUM}), which drops the free space where SQLite leaves deleted and
   * overwritten rows, then copies the WAL into the file and truncates it, so that neither holds the
   * pages from before. So a key stored in clear before it was encrypted does not linger, while
   * writes pay nothing for it, as they would with {@code secure_delete}. Each waits for other
   * connections up to the lock timeout; one that cannot finish now is logged, and the pages from
   * before then go with later checkpoints, WAL restarts and the last connection's close.
   */
  @Override
  protected void eraseOlderCopies() {
    long start = System.nanoTime();
    try {
      withHandle(h -> h.execute("VACUUM"));
      boolean truncated =
          withHandle(
              h ->
                  h.createQuery("PRAGMA wal_checkpoint(TRUNCATE)")
                      .map((rs, ctx) -> rs.getInt(1) == 0)
                      .one());
      if (!truncated) {
        LOG.warn(
            "Settings database {}: a reader kept the WAL from being truncated after API keys were"
                + " rewritten; older copies of their rows stay in it until a later checkpoint",
            path);
      }
    } catch (RuntimeException failure) {
      LOG.warn(
          "Settings database {}: older copies of rewritten API keys could not be erased within {}"
              + " ms ({}); later checkpoints will",
          path,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
          failure.getMessage());
    }
  }

  /** Polls {@code PRAGMA data_version} on a connection of its own ({@link DataVersionSignal}). */
  @Override
  protected ChangeSignal openChangeSignal() {
    long start = System.nanoTime();
    try {
      return DataVersionSignal.open(path, pool.openDedicated());
    } catch (SQLException failure) {
      throw translated(failure, start);
    }
  }

  /** Closes idle connections; connections in use close when their operation ends. Idempotent. */
  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "SqliteDatabase[" + path + "]";
  }
}

package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The baseline: the default chain's setActiveProvider as hand-written JDBC on plain sqlite-jdbc,
 * one connection per thread. The same statements in the same {@code BEGIN IMMEDIATE} transaction,
 * and the row read back; no pool, no decorators, no input checks. Each statement is prepared per
 * call in try-with-resources, as plain JDBC code is usually written (the library keeps its prepared
 * statements for reuse), and waits for the write lock with sqlite-jdbc's own busy timeout.
 */
public final class RawJdbcClient implements LoadClient {

  private static final String PROVIDER =
      "SELECT id, provider_name, api_key, model, is_active, updated_at FROM ai_providers"
          + " WHERE id = ?";

  private final Connection connection;
  private final long[] providerIds;

  /**
   * Opens one connection configured as the library configures its own.
   *
   * @param database the database file, already seeded
   * @param synchronous the commit durability
   * @param lockTimeout the busy timeout
   */
  public RawJdbcClient(Path database, Synchronous synchronous, Duration lockTimeout) {
    SQLiteConfig config = new SQLiteConfig();
    config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous.name()));
    config.enforceForeignKeys(true);
    config.setBusyTimeout((int) lockTimeout.toMillis());
    try {
      this.connection = config.createConnection("jdbc:sqlite:" + database);
      this.providerIds = providerIds(connection);
    } catch (SQLException failure) {
      throw new IllegalStateException("Cannot open " + database + ": " + failure, failure);
    }
  }

  @Override
  public Outcome runOne(SplittableRandom random) {
    try {
      activate(providerIds[random.nextInt(providerIds.length)]);
      return Outcome.DONE;
    } catch (SQLiteException failure) {
      int primary = failure.getResultCode().code & 0xff;
      return primary == SQLiteErrorCode.SQLITE_BUSY.code ? Outcome.BUSY : Outcome.FAILED;
    } catch (SQLException failure) {
      return Outcome.FAILED;
    }
  }

  /**
   * The default chain's setActiveProvider, statement for statement.
   *
   * @param id the provider to activate; an unknown id changes nothing
   * @throws SQLException if SQLite fails, e.g. busy beyond the timeout
   */
  public void activate(long id) throws SQLException {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      try {
        if (readProvider(id)) {
          statement.executeUpdate("UPDATE ai_providers SET is_active = 0 WHERE is_active = 1");
          try (PreparedStatement activate =
              connection.prepareStatement(
                  "UPDATE ai_providers SET is_active = 1, updated_at = MAX(?, updated_at + 1)"
                      + " WHERE id = ?")) {
            activate.setLong(1, now);
            activate.setLong(2, id);
            activate.executeUpdate();
          }
          readProvider(id);
        }
        statement.execute("COMMIT");
      } catch (SQLException failure) {
        rollback(statement, failure);
        throw failure;
      }
    }
  }

  private static void rollback(Statement statement, SQLException failure) {
    try {
      statement.execute("ROLLBACK");
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }

  /** Reads every column, as the store does to build its result. */
  private boolean readProvider(long id) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(PROVIDER)) {
      select.setLong(1, id);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return false;
        }
        row.getLong(1);
        row.getString(2);
        row.getString(3);
        row.getString(4);
        row.getInt(5);
        row.getLong(6);
        return true;
      }
    }
  }

  /**
   * @return the ids of the providers that existed when the connection opened
   */
  public long[] providerIds() {
    return providerIds.clone();
  }

  private static long[] providerIds(Connection connection) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id FROM ai_providers ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Nothing is open on it between operations; the run is over either way.
    }
  }
}

package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The baseline (SPEC §10): the minimal correct setActiveProvider that an engineer who knows JDBC
 * writes by hand on plain sqlite-jdbc, one connection per thread. Every statement is prepared once
 * per connection and reused; each activation is {@code BEGIN IMMEDIATE}, deactivate the active one,
 * activate the chosen one, {@code COMMIT}. No pool, no decorators, no input checks, no read-back.
 * Waits for the write lock with sqlite-jdbc's own busy timeout.
 */
public final class RawJdbcClient implements LoadClient {

  private final Connection connection;
  private final long[] providerIds;
  private final PreparedStatement begin;
  private final PreparedStatement deactivate;
  private final PreparedStatement activate;
  private final PreparedStatement commit;
  private final PreparedStatement rollback;

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
      this.begin = connection.prepareStatement("BEGIN IMMEDIATE");
      this.deactivate =
          connection.prepareStatement("UPDATE ai_providers SET is_active = 0 WHERE is_active = 1");
      this.activate =
          connection.prepareStatement("UPDATE ai_providers SET is_active = 1 WHERE id = ?");
      this.commit = connection.prepareStatement("COMMIT");
      this.rollback = connection.prepareStatement("ROLLBACK");
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
   * Makes one provider the active one.
   *
   * @param id the provider to activate, one that exists
   * @throws SQLException if SQLite fails, e.g. busy beyond the timeout
   */
  public void activate(long id) throws SQLException {
    begin.execute();
    try {
      deactivate.executeUpdate();
      activate.setLong(1, id);
      activate.executeUpdate();
      commit.execute();
    } catch (SQLException failure) {
      try {
        rollback.execute();
      } catch (SQLException rollbackFailure) {
        failure.addSuppressed(rollbackFailure);
      }
      throw failure;
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

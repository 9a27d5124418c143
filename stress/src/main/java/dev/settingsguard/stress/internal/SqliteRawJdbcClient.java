package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.SplittableRandom;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The baseline on plain sqlite-jdbc: {@code BEGIN IMMEDIATE}, deactivate the active one, activate
 * the chosen one, {@code COMMIT}, each statement prepared once. Waits for the write lock with
 * sqlite-jdbc's own busy timeout.
 */
final class SqliteRawJdbcClient implements RawJdbcClient {

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
  SqliteRawJdbcClient(Path database, Synchronous synchronous, Duration lockTimeout) {
    SQLiteConfig config = new SQLiteConfig();
    config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous.name()));
    config.enforceForeignKeys(true);
    config.setBusyTimeout((int) lockTimeout.toMillis());
    try {
      this.connection = config.createConnection("jdbc:sqlite:" + database);
      this.providerIds = RawJdbcClient.providerIds(connection);
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

  @Override
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

  @Override
  public long[] providerIds() {
    return providerIds.clone();
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

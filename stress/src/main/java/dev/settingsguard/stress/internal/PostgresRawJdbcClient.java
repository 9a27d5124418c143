package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The baseline on plain pgjdbc: auto-commit off, {@code pg_advisory_xact_lock} (the driver sends
 * {@code BEGIN} with it), deactivate the active one, activate the chosen one, {@code commit()}:
 * four round trips. The session's {@code lock_timeout} bounds the wait for the lock.
 */
final class PostgresRawJdbcClient implements RawJdbcClient {

  /** Any fixed key that every writer of the database agrees on. */
  private static final long WRITERS_KEY = 7_301;

  /** PostgreSQL's SQLSTATE for a lock not obtained within {@code lock_timeout}. */
  private static final String LOCK_NOT_AVAILABLE = "55P03";

  private final Connection connection;
  private final long[] providerIds;
  private final PreparedStatement lock;
  private final PreparedStatement deactivate;
  private final PreparedStatement activate;

  PostgresRawJdbcClient(StressDatabase database, Duration lockTimeout) {
    try {
      this.connection = database.connect();
      this.providerIds = RawJdbcClient.providerIds(connection);
      try (Statement statement = connection.createStatement()) {
        // 0 would mean no bound at all.
        statement.execute("SET lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
      }
      connection.setAutoCommit(false);
      this.lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(" + WRITERS_KEY + ")");
      this.deactivate =
          connection.prepareStatement("UPDATE ai_providers SET is_active = 0 WHERE is_active = 1");
      this.activate =
          connection.prepareStatement("UPDATE ai_providers SET is_active = 1 WHERE id = ?");
    } catch (SQLException failure) {
      throw new IllegalStateException(
          PostgresDatabase.redact("Cannot open " + database + ": " + failure.getMessage()));
    }
  }

  @Override
  public Outcome runOne(SplittableRandom random) {
    try {
      activate(providerIds[random.nextInt(providerIds.length)]);
      return Outcome.DONE;
    } catch (SQLException failure) {
      return LOCK_NOT_AVAILABLE.equals(failure.getSQLState()) ? Outcome.BUSY : Outcome.FAILED;
    }
  }

  @Override
  public void activate(long id) throws SQLException {
    try {
      lock.execute();
      deactivate.executeUpdate();
      activate.setLong(1, id);
      activate.executeUpdate();
      connection.commit();
    } catch (SQLException failure) {
      try {
        connection.rollback();
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

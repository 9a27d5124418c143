package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The baseline on plain pgjdbc: auto-commit off, {@code pg_advisory_xact_lock} (the driver sends
 * {@code BEGIN} with it), the two {@code UPDATE}s, {@code commit()}: four round trips. The
 * session's {@code lock_timeout} bounds the wait for the lock.
 */
final class PostgresRawJdbcClient extends RawJdbcClient {

  /** Any fixed key that every writer of the database agrees on. */
  private static final long WRITERS_KEY = 7_301;

  /** PostgreSQL's SQLSTATE for a lock not obtained within {@code lock_timeout}. */
  private static final String LOCK_NOT_AVAILABLE = "55P03";

  private final PreparedStatement lock;

  private PostgresRawJdbcClient(Connection connection) throws SQLException {
    super(connection);
    this.lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(" + WRITERS_KEY + ")");
  }

  static PostgresRawJdbcClient open(StressDatabase database, Duration lockTimeout) {
    try {
      Connection connection = database.connect();
      try (Statement statement = connection.createStatement()) {
        // 0 would mean no bound at all.
        statement.execute("SET lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
      }
      connection.setAutoCommit(false);
      return new PostgresRawJdbcClient(connection);
    } catch (SQLException failure) {
      throw new IllegalStateException(
          PostgresDatabase.redact("Cannot open " + database + ": " + failure.getMessage()));
    }
  }

  /** A failed statement leaves the transaction the driver began aborted: it is rolled back. */
  @Override
  void begin() throws SQLException {
    try {
      lock.execute();
    } catch (SQLException failure) {
      rollbackAfter(failure);
      throw failure;
    }
  }

  @Override
  void commit() throws SQLException {
    connection().commit();
  }

  @Override
  void rollback() throws SQLException {
    connection().rollback();
  }

  @Override
  boolean isLockNotGranted(SQLException failure) {
    return LOCK_NOT_AVAILABLE.equals(failure.getSQLState());
  }
}

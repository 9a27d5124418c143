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

/**
 * The baseline (SPEC §10): the minimal correct setActiveProvider that an engineer who knows JDBC
 * writes by hand, one connection per thread, each statement prepared once per connection and
 * reused, in one transaction that first excludes the other writers: begin, deactivate the active
 * provider, activate the chosen one, commit. No pool, no decorators, no input checks, no existence
 * check, no read-back: it activates ids it knows to exist. Each backend says how it begins,
 * commits, rolls back and reports a lock it could not get.
 */
public abstract class RawJdbcClient implements LoadClient {

  private final Connection connection;
  private final long[] providerIds;
  private final PreparedStatement deactivate;
  private final PreparedStatement activate;

  /**
   * @param connection a connection to a seeded database, configured by the backend
   * @throws SQLException if the statements cannot be prepared
   */
  RawJdbcClient(Connection connection) throws SQLException {
    this.connection = connection;
    this.providerIds = providerIds(connection);
    this.deactivate =
        connection.prepareStatement("UPDATE ai_providers SET is_active = 0 WHERE is_active = 1");
    this.activate =
        connection.prepareStatement("UPDATE ai_providers SET is_active = 1 WHERE id = ?");
  }

  /**
   * Opens one connection to the database.
   *
   * @param database the database, already seeded
   * @param synchronous the commit durability, for SQLite
   * @param lockTimeout the bound on each wait for the lock
   * @return the client
   */
  public static RawJdbcClient open(
      StressDatabase database, Synchronous synchronous, Duration lockTimeout) {
    return database.backend() == Backend.POSTGRES
        ? PostgresRawJdbcClient.open(database, lockTimeout)
        : SqliteRawJdbcClient.open(Path.of(database.location()), synchronous, lockTimeout);
  }

  @Override
  public final Outcome runOne(SplittableRandom random) {
    try {
      activate(providerIds[random.nextInt(providerIds.length)]);
      return Outcome.DONE;
    } catch (SQLException failure) {
      return isLockNotGranted(failure) ? Outcome.BUSY : Outcome.FAILED;
    }
  }

  /**
   * Makes one provider the active one.
   *
   * @param id the provider to activate, one that exists
   * @throws SQLException if the database fails, e.g. busy beyond the timeout
   */
  public final void activate(long id) throws SQLException {
    begin();
    try {
      deactivate.executeUpdate();
      activate.setLong(1, id);
      activate.executeUpdate();
      commit();
    } catch (SQLException failure) {
      rollbackAfter(failure);
      throw failure;
    }
  }

  /**
   * Begins the transaction and excludes the other writers. If it throws, no transaction is open.
   *
   * @throws SQLException if the lock was not granted in time, or the database failed
   */
  abstract void begin() throws SQLException;

  /**
   * @throws SQLException if the commit failed
   */
  abstract void commit() throws SQLException;

  /**
   * @throws SQLException if the rollback failed
   */
  abstract void rollback() throws SQLException;

  /**
   * @param failure what an activation threw
   * @return whether it is the lock not granted within the lock timeout
   */
  abstract boolean isLockNotGranted(SQLException failure);

  /**
   * @param failure what made the transaction fail; a failure to roll back is added to it
   */
  final void rollbackAfter(SQLException failure) {
    try {
      rollback();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }

  /**
   * @return the connection, for the backend's own statements
   */
  final Connection connection() {
    return connection;
  }

  /**
   * @return the ids of the providers that existed when the connection opened
   */
  public final long[] providerIds() {
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
  public final void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Nothing is open on it between operations; the run is over either way.
    }
  }
}

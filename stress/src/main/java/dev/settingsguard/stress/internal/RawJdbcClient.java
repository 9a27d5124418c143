package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The baseline (SPEC §10): the minimal correct setActiveProvider that an engineer who knows JDBC
 * writes by hand, one connection per thread, each statement prepared once per connection and
 * reused, in one transaction that first excludes the other writers. No pool, no decorators, no
 * input checks, no existence check, no read-back: it activates ids it knows to exist.
 */
public interface RawJdbcClient extends LoadClient {

  /**
   * Opens one connection to the database.
   *
   * @param database the database, already seeded
   * @param synchronous the commit durability, for SQLite
   * @param lockTimeout the bound on each wait for the lock
   * @return the client
   */
  static RawJdbcClient open(
      StressDatabase database, Synchronous synchronous, Duration lockTimeout) {
    return database.backend() == Backend.POSTGRES
        ? new PostgresRawJdbcClient(database, lockTimeout)
        : new SqliteRawJdbcClient(Path.of(database.location()), synchronous, lockTimeout);
  }

  /**
   * Makes one provider the active one.
   *
   * @param id the provider to activate, one that exists
   * @throws SQLException if the database fails, e.g. busy beyond the timeout
   */
  void activate(long id) throws SQLException;

  /**
   * @return the ids of the providers that existed when the connection opened
   */
  long[] providerIds();

  /**
   * @param connection a connection to a seeded database
   * @return the ids of its providers
   * @throws SQLException if the query fails
   */
  static long[] providerIds(Connection connection) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id FROM ai_providers ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }
}

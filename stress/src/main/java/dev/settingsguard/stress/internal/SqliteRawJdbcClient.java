package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The baseline on plain sqlite-jdbc: {@code BEGIN IMMEDIATE}, the two {@code UPDATE}s, {@code
 * COMMIT}, each statement prepared once. Waits for the write lock with sqlite-jdbc's own busy
 * timeout.
 */
final class SqliteRawJdbcClient extends RawJdbcClient {

  private final PreparedStatement begin;
  private final PreparedStatement commit;
  private final PreparedStatement rollback;

  private SqliteRawJdbcClient(Connection connection) throws SQLException {
    super(connection);
    this.begin = connection.prepareStatement("BEGIN IMMEDIATE");
    this.commit = connection.prepareStatement("COMMIT");
    this.rollback = connection.prepareStatement("ROLLBACK");
  }

  /**
   * Opens one connection configured as the library configures its own.
   *
   * @param database the database file, already seeded
   * @param synchronous the commit durability
   * @param lockTimeout the busy timeout
   */
  static SqliteRawJdbcClient open(Path database, Synchronous synchronous, Duration lockTimeout) {
    SQLiteConfig config = new SQLiteConfig();
    config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous.name()));
    config.enforceForeignKeys(true);
    config.setBusyTimeout((int) lockTimeout.toMillis());
    try {
      return new SqliteRawJdbcClient(config.createConnection("jdbc:sqlite:" + database));
    } catch (SQLException failure) {
      throw new IllegalStateException("Cannot open " + database + ": " + failure, failure);
    }
  }

  @Override
  void begin() throws SQLException {
    begin.execute();
  }

  @Override
  void commit() throws SQLException {
    commit.execute();
  }

  @Override
  void rollback() throws SQLException {
    rollback.execute();
  }

  @Override
  boolean isLockNotGranted(SQLException failure) {
    return failure instanceof SQLiteException sqlite
        && (sqlite.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code;
  }
}

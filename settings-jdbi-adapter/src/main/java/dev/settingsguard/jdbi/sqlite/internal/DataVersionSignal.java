package dev.settingsguard.jdbi.sqlite.internal;

import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.jdbi.ChangeSignal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Notices other connections' commits, of this process and of others, by polling {@code PRAGMA
 * data_version} on a connection of its own every {@link #POLL_MILLIS} ms: its value changes when
 * any other connection commits. A poll reads the WAL index in shared memory and no page of the
 * database; idle, a watch costs little CPU (measured in docs/performance.md).
 */
public final class DataVersionSignal implements ChangeSignal {

  /** The interval between polls: the change feed's delay on SQLite is at most about this. */
  public static final long POLL_MILLIS = 10;

  private final Path database;
  private final Connection connection;
  private final PreparedStatement dataVersion;
  private long lastVersion;

  private DataVersionSignal(Path database, Connection connection) throws SQLException {
    this.database = database;
    this.connection = connection;
    this.dataVersion = connection.prepareStatement("PRAGMA data_version");
    this.lastVersion = read();
  }

  /**
   * @param database the file, for messages
   * @param connection a connection of its own, which the signal closes
   * @return the signal
   * @throws SQLException if the connection cannot read the pragma; the connection is closed
   */
  public static DataVersionSignal open(Path database, Connection connection) throws SQLException {
    try {
      return new DataVersionSignal(database, connection);
    } catch (SQLException failure) {
      connection.close();
      throw failure;
    }
  }

  @Override
  public boolean await() {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
    try {
      long version = read();
      boolean changed = version != lastVersion;
      lastVersion = version;
      return changed;
    } catch (SQLException failure) {
      throw new SettingsStorageException(
          "Cannot poll settings database " + database + " for changes: " + failure.getMessage(),
          failure);
    }
  }

  private long read() throws SQLException {
    try (ResultSet rows = dataVersion.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing fails only while statements are open; the connection is gone either way.
    }
  }
}

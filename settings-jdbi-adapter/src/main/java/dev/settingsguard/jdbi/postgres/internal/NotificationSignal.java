package dev.settingsguard.jdbi.postgres.internal;

import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.jdbi.ChangeSignal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Wakes the change feed on {@code LISTEN}: every write operation sends {@code pg_notify} on {@link
 * #CHANNEL} in its transaction (see {@code PostgresDatabase#nextRevisionStatement}), which the
 * server delivers at its commit. A notification sent while this connection is down is lost; the
 * feed reads the log when the signal is opened again, so no change is.
 */
public final class NotificationSignal implements ChangeSignal {

  /**
   * The channel of every schema's writers; the payload is the schema. Watches of other schemas of
   * the database wake too and find nothing new, which costs one read of the log.
   */
  public static final String CHANNEL = "settings_guard";

  private static final String LISTEN = "LISTEN " + CHANNEL;

  /**
   * How often the connection is checked with a round trip: a peer that vanished without closing the
   * connection sends no notification and no error, and waiting for notifications does not notice.
   */
  static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** The bound on the check's answer, and on any other wait for this connection's server. */
  static final int NETWORK_TIMEOUT_MILLIS = 10_000;

  private final String database;
  private final Connection connection;
  private final PGConnection notifications;
  private final int networkTimeoutBefore;
  private long checkedAt = System.nanoTime();

  private NotificationSignal(String database, Connection connection) throws SQLException {
    this.database = database;
    this.connection = connection;
    this.notifications = connection.unwrap(PGConnection.class);
    this.networkTimeoutBefore = connection.getNetworkTimeout();
    connection.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
    try (Statement listen = connection.createStatement()) {
      listen.execute(LISTEN);
    }
  }

  /**
   * @param database the database's name, for messages
   * @param connection a connection in auto-commit mode, which the signal holds until it is closed
   * @return the signal, listening
   * @throws SQLException if the connection cannot listen; it is closed
   */
  public static NotificationSignal open(String database, Connection connection)
      throws SQLException {
    try {
      return new NotificationSignal(database, connection);
    } catch (SQLException failure) {
      connection.close();
      throw failure;
    }
  }

  @Override
  public boolean await() {
    try {
      if (System.nanoTime() - checkedAt > CHECK_EVERY_NANOS) {
        try (Statement check = connection.createStatement()) {
          // A round trip that changes nothing, and leaves the session showing what it is for.
          check.execute(LISTEN);
        }
        checkedAt = System.nanoTime();
      }
      PGNotification[] received = notifications.getNotifications((int) MAX_WAIT_MILLIS);
      return received != null && received.length > 0;
    } catch (SQLException failure) {
      throw new SettingsStorageException(
          "The change feed's connection to settings database "
              + database
              + " failed: "
              + failure.getMessage(),
          null);
    }
  }

  /**
   * Stops listening and restores the network timeout, so that a pool that takes the connection back
   * hands out one as it was.
   */
  @Override
  public void close() {
    try (connection;
        Statement unlisten = connection.createStatement()) {
      unlisten.execute("UNLISTEN *");
      connection.setNetworkTimeout(Runnable::run, networkTimeoutBefore);
    } catch (SQLException ignored) {
      // A broken connection listens to nothing; the pool discards it.
    }
  }
}

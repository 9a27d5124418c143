package dev.settingsguard.jdbi.sqlite.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.jdbi.v3.core.ConnectionFactory;

/**
 * Keeps SQLite connections open between handles: opening one costs a file open and a schema read,
 * far more than the statements of a typical operation.
 *
 * <p>The pool never makes a caller wait: it opens a new connection when none is idle, so readers
 * never queue behind writers that hold a connection while they wait for the write lock. It keeps
 * every connection it opened, so it grows to the peak number of concurrent handles.
 */
public final class ConnectionPool implements ConnectionFactory, AutoCloseable {

  /** Opens one new physical connection, fully configured. */
  @FunctionalInterface
  public interface Opener {
    /**
     * @return a new connection
     * @throws SQLException if the database cannot be opened
     */
    Connection open() throws SQLException;
  }

  private final Opener opener;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;

  /**
   * @param opener opens new physical connections
   */
  public ConnectionPool(Opener opener) {
    this.opener = opener;
  }

  @Override
  public Connection openConnection() throws SQLException {
    if (closed) {
      throw new SQLException("connection pool is closed");
    }
    Connection pooled = idle.pollFirst();
    return pooled != null ? pooled : opener.open();
  }

  /**
   * @return a new connection, configured as the pooled ones, that the pool does not keep: its
   *     caller closes it
   * @throws SQLException if the database cannot be opened
   */
  public Connection openDedicated() throws SQLException {
    return opener.open();
  }

  /** Returns the connection to the pool; the most recently used one is handed out first. */
  @Override
  public void closeConnection(Connection connection) throws SQLException {
    if (closed) {
      connection.close();
      return;
    }
    idle.offerFirst(connection);
    if (closed) {
      // close() ran between the check above and the offer: it may have missed this connection.
      closeIdle();
    }
  }

  /** Closes every idle connection; connections still in use close when they are returned. */
  @Override
  public void close() {
    closed = true;
    closeIdle();
  }

  private void closeIdle() {
    Connection connection;
    while ((connection = idle.pollFirst()) != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // Closing a SQLite connection fails only if statements are still open; nothing to do.
      }
    }
  }
}

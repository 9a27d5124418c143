package dev.settingsguard.jdbi.postgres.internal;

import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsException;
import dev.settingsguard.core.SettingsStorageException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;

/**
 * Turns driver, pool and Jdbi failures into the port's exceptions, by SQLSTATE.
 *
 * <table>
 *   <caption>SQLSTATEs and what they become</caption>
 *   <tr><th>SQLSTATE</th><th>meaning</th><th>becomes</th></tr>
 *   <tr><td>none (HikariCP's timeout)</td><td>no pooled connection within the lock timeout</td>
 *       <td>{@code SettingsBusyException}</td></tr>
 *   <tr><td>55P03</td><td>lock not available: {@code lock_timeout} ran out</td>
 *       <td>{@code SettingsBusyException}</td></tr>
 *   <tr><td>40001, 40P01</td><td>serialization failure, deadlock</td>
 *       <td>{@code SettingsBusyException}</td></tr>
 *   <tr><td>08xxx, 25P03, 57P01–57P03</td><td>connection lost, session ended for idling in a
 *       transaction, server shut down or starting</td>
 *       <td>{@code SettingsStorageException} saying the connection was lost</td></tr>
 *   <tr><td>P0001</td><td>a trigger's {@code RAISE EXCEPTION}</td>
 *       <td>{@code SettingsStorageException} without the trigger's text</td></tr>
 *   <tr><td>anything else</td><td></td><td>{@code SettingsStorageException}</td></tr>
 * </table>
 *
 * <p>Nothing is retried here. Messages carry the SQLSTATE and the server's primary message only:
 * pgjdbc's own message adds the server's detail, which for a constraint names the failing row's
 * values (an API key among them). So no driver exception is kept as a cause.
 */
public final class PostgresErrors {

  private PostgresErrors() {}

  /**
   * @param failure what the driver, the pool or Jdbi threw
   * @param database the database's name (never with a password)
   * @param lockTimeout the bound on every lock wait
   * @return the exception to throw in its place
   */
  public static SettingsException translate(
      Throwable failure, String database, Duration lockTimeout) {
    if (failure instanceof SettingsException alreadyTranslated) {
      return alreadyTranslated;
    }
    SQLTransientConnectionException poolTimeout = findPoolTimeout(failure);
    if (poolTimeout != null) {
      // HikariCP's "connection is not available": every pooled connection stayed busy.
      return new SettingsBusyException("connection of the pool of " + database, lockTimeout);
    }
    SQLException sql = findSqlCause(failure);
    String state = sql == null ? null : sql.getSQLState();
    if ("55P03".equals(state)) {
      // The writers' advisory lock is named where it is taken; this is a row's or a table's.
      return new SettingsBusyException("row or table lock on " + database, lockTimeout);
    }
    if ("40001".equals(state) || "40P01".equals(state)) {
      return new SettingsBusyException(
          "rows of " + database,
          Duration.ZERO,
          "lost to a concurrent transaction (" + state + ")",
          null);
    }
    if (isConnectionLost(state)) {
      return new SettingsStorageException(
          "Lost the connection to settings database " + database + ": " + describe(sql), null);
    }
    if ("P0001".equals(state)) {
      return new SettingsStorageException(
          "Settings database "
              + database
              + " failed: a trigger refused the statement (P0001); the trigger's message is not"
              + " shown, since it can quote the statement's values",
          null);
    }
    if (sql == null) {
      Throwable cause = failure.getCause() == null ? failure : failure.getCause();
      return new SettingsStorageException(
          "Settings database "
              + database
              + " failed: "
              + cause.getClass().getSimpleName()
              + (cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage())),
          null);
    }
    return new SettingsStorageException(
        "Settings database " + database + " failed: " + describe(sql), null);
  }

  /**
   * @param state a SQLSTATE, or {@code null}
   * @return whether it says the connection is gone: class 08, the server ending a session idle in
   *     its transaction for too long, or the server shutting down or not yet accepting connections
   */
  public static boolean isConnectionLost(String state) {
    return state != null
        && (state.startsWith("08")
            || state.equals("25P03")
            || state.equals("57P01")
            || state.equals("57P02")
            || state.equals("57P03"));
  }

  /**
   * @param failure a failure, untranslated
   * @return the SQLSTATE of the driver's exception under it, or {@code null}
   */
  public static String sqlState(Throwable failure) {
    SQLException sql = findSqlCause(failure);
    return sql == null ? null : sql.getSQLState();
  }

  /** The SQLSTATE and the first line of the message: the server's detail lines are left out. */
  private static String describe(SQLException sql) {
    return firstLine(sql.getMessage()) + " (SQLSTATE " + sql.getSQLState() + ")";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** A pool's timeout carries no SQLSTATE of its own, unlike a failure to connect. */
  private static SQLTransientConnectionException findPoolTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException timeout && timeout.getSQLState() == null) {
        return timeout;
      }
    }
    return null;
  }

  private static SQLException findSqlCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return sql;
      }
    }
    return null;
  }
}

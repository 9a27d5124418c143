package dev.settingsguard.jdbi.sqlite.internal;

import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsException;
import dev.settingsguard.core.SettingsStorageException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.jdbi.v3.core.JdbiException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Turns driver and Jdbi failures into the port's exceptions.
 *
 * <p>Messages are built from SQLite's or the driver's own message only, and no Jdbi exception is
 * kept as a cause: Jdbi's exception messages list the bound arguments, which may include an API
 * key.
 */
public final class SqlErrors {

  private static final int PRIMARY_CODE_MASK = 0xff;

  private SqlErrors() {}

  /**
   * @param failure what the driver or Jdbi threw
   * @param database the database file, named in every message
   * @param lockTimeout the bound the busy handler waits for a lock
   * @param elapsed how long the failed call ran: the busy handler's wait, when it waited
   * @return the exception to throw in its place
   */
  public static SettingsException translate(
      Throwable failure, Path database, Duration lockTimeout, Duration elapsed) {
    if (failure instanceof SettingsException alreadyTranslated) {
      return alreadyTranslated;
    }
    SQLiteException sqlite = findSqliteCause(failure);
    if (sqlite == null) {
      Throwable belowJdbi = firstCauseOutsideJdbi(failure);
      String what =
          belowJdbi == null
              ? failure.getClass().getSimpleName()
              : belowJdbi.getClass().getSimpleName() + ": " + belowJdbi.getMessage();
      return new SettingsStorageException(
          "Settings database " + database + " failed: " + what, belowJdbi);
    }
    SQLiteErrorCode code = sqlite.getResultCode();
    if (code == SQLiteErrorCode.SQLITE_CONSTRAINT_TRIGGER) {
      // RAISE takes any expression, so a foreign trigger's message can quote a bound API key:
      // neither the message nor the driver's exception that carries it goes further.
      return new SettingsStorageException(
          "Settings database "
              + database
              + " failed: a trigger refused the statement (SQLITE_CONSTRAINT_TRIGGER); the"
              + " trigger's message is not shown, since it can quote the statement's values",
          null);
    }
    if (code == SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT) {
      return new SettingsBusyException(
          "write lock on " + database,
          Duration.ZERO,
          "lost to another connection's commit after this transaction had read (SQLITE_BUSY_SNAPSHOT)",
          sqlite);
    }
    int primary = code.code & PRIMARY_CODE_MASK;
    if (primary == SQLiteErrorCode.SQLITE_BUSY.code
        || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
      String resource = "write lock on " + database;
      if (Thread.currentThread().isInterrupted()) {
        InterruptedException interrupt = new InterruptedException("busy wait interrupted");
        interrupt.initCause(sqlite);
        return SettingsBusyException.interrupted(resource, elapsed, interrupt);
      }
      if (elapsed.compareTo(lockTimeout) >= 0) {
        return new SettingsBusyException(resource, lockTimeout, sqlite);
      }
      // SQLite does not call the busy handler when a transaction that has already read wants to
      // write while another connection holds the write lock: waiting could deadlock.
      return new SettingsBusyException(
          resource,
          elapsed,
          "held by another connection; refused after "
              + elapsed
              + " because this transaction had already read and cannot wait (SQLITE_BUSY)",
          sqlite);
    }
    return new SettingsStorageException(
        "Settings database " + database + " failed: " + sqlite.getMessage(), sqlite);
  }

  /**
   * @param undoFailure what a {@code ROLLBACK} or {@code ROLLBACK TO} threw
   * @return whether it failed because SQLite had already rolled the whole transaction back itself,
   *     as it does after some errors (a full disk, a trigger's {@code RAISE(ROLLBACK, …)}); the
   *     driver tells this case apart by its message only
   */
  public static boolean isTransactionEnded(SQLException undoFailure) {
    String message = undoFailure.getMessage();
    return message != null
        && (message.contains("no transaction is active") || message.contains("no such savepoint"));
  }

  /** The driver's failure under Jdbi's wrappers, or whatever else failed that is not Jdbi's. */
  private static Throwable firstCauseOutsideJdbi(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (!(t instanceof JdbiException)) {
        return t;
      }
    }
    return null;
  }

  private static SQLiteException findSqliteCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException sqlite) {
        return sqlite;
      }
    }
    return null;
  }
}

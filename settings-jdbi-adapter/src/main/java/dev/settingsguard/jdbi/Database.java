package dev.settingsguard.jdbi;

import java.util.function.Supplier;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.statement.SqlLogger;

/**
 * One settings database of some backend: its connections, its schema and the transactions that
 * decorators open around whole operations. {@link JdbiSettingsStore} runs every operation's steps
 * on it.
 *
 * <p>The steps' handles are reached only through the protected {@link #withHandle}, never handed
 * out: every statement runs inside the library's transactions and error translation.
 */
public abstract class Database implements AutoCloseable {

  /** For the backends' own subclasses. */
  protected Database() {}

  /**
   * @return what identifies the database, equal for every {@code Database} of this JVM that reaches
   *     the same data, whatever name or URL opened it: the key of locks that all stores on it share
   */
  public abstract Object identity();

  /**
   * @return the database's name in messages and logs, never holding a password
   */
  public abstract String name();

  /**
   * Runs {@code work} in one transaction: every step it runs on this database on this thread joins
   * the transaction. Commits when the work returns and rolls back when it throws. Called inside
   * another transaction on the same thread, it runs the work in a savepoint of that one: when the
   * work throws, its own changes are rolled back and the enclosing transaction goes on.
   *
   * @param mode how the transaction excludes other writers; ignored inside another transaction
   * @param work the operation
   * @param <R> the result type
   * @return the work's result
   * @throws dev.settingsguard.core.SettingsBusyException if {@link TransactionMode#EXCLUSIVE} could
   *     not exclude the other writers within the lock timeout; nothing ran
   * @throws dev.settingsguard.core.SettingsStorageException if the transaction failed; nothing of
   *     it was committed
   */
  public abstract <R> R inTransaction(TransactionMode mode, Supplier<R> work);

  /**
   * @param mode a transaction mode
   * @return how this backend implements it, for the chain's {@code toString()}, e.g. {@code
   *     SqliteImmediate}
   */
  public abstract String describe(TransactionMode mode);

  /**
   * Installs a logger that sees every step's statement (not the transactions' own statements), to
   * log or time them.
   *
   * @param logger the logger
   */
  public abstract void setSqlLogger(SqlLogger logger);

  /**
   * Refuses text this backend cannot store, beyond the port's input rules. Called for every text an
   * operation writes, before any statement runs. By default it accepts everything.
   *
   * @param field the field's name, for the error
   * @param text the text, or {@code null}
   * @throws dev.settingsguard.core.InvalidInputException if the backend cannot store it
   */
  public void checkStorable(String field, String text) {}

  /**
   * Runs one step with a handle, translating failures into the port's exceptions. Within {@link
   * #inTransaction}, the callback receives the transaction's handle.
   *
   * @param step the work, typically one statement
   * @param <R> the result type
   * @return the step's result
   */
  protected abstract <R> R withHandle(HandleCallback<R, RuntimeException> step);

  /** Closes the database's connections. Idempotent. */
  @Override
  public abstract void close();
}

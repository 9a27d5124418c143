package dev.settingsguard.locking.internal;

import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.TransactionMode;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs the whole operation in one transaction of the database, which makes it atomic: a crash at
 * any instant leaves either all of its steps or none.
 *
 * <p>In {@link TransactionMode#EXCLUSIVE} mode it is the backend's own strategy ({@code
 * SQLITE_IMMEDIATE}): the transaction first excludes every other writer of the database, in any
 * process. In {@link TransactionMode#ATOMIC} mode it is the innermost layer of chains without it:
 * the locks outside exclude this library's writers, and the transaction only adds atomicity.
 */
public final class TransactionStrategy implements WriteGuard {

  private final Database database;
  private final TransactionMode mode;

  /**
   * @param database the database the wrapped store writes to
   * @param mode how each operation's transaction excludes other writers
   */
  public TransactionStrategy(Database database, TransactionMode mode) {
    this.database = Objects.requireNonNull(database, "database");
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  @Override
  public <R> R around(Supplier<R> operation) {
    return database.inTransaction(mode, operation);
  }

  @Override
  public String toString() {
    return database.describe(mode);
  }
}

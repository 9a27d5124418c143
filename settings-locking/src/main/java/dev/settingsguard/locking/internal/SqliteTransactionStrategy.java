package dev.settingsguard.locking.internal;

import dev.settingsguard.jdbi.SqliteDatabase;
import dev.settingsguard.jdbi.TransactionBegin;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs the whole operation in one SQLite transaction, which makes it atomic: a crash at any instant
 * leaves either all of its steps or none.
 *
 * <p>{@link #immediate} is {@code SQLITE_IMMEDIATE}: {@code BEGIN IMMEDIATE} takes SQLite's write
 * lock before the first step, which excludes every other writer of the file, in any process. {@link
 * #deferred} is the innermost layer of chains without it: the locks outside exclude this library's
 * writers, and the transaction only adds atomicity.
 */
public final class SqliteTransactionStrategy implements WriteGuard {

  private final SqliteDatabase database;
  private final TransactionBegin begin;

  private SqliteTransactionStrategy(SqliteDatabase database, TransactionBegin begin) {
    this.database = Objects.requireNonNull(database, "database");
    this.begin = begin;
  }

  /**
   * @param database the database the wrapped store writes to
   * @return a guard that runs each operation in one {@code BEGIN IMMEDIATE} transaction
   */
  public static SqliteTransactionStrategy immediate(SqliteDatabase database) {
    return new SqliteTransactionStrategy(database, TransactionBegin.IMMEDIATE);
  }

  /**
   * @param database the database the wrapped store writes to
   * @return a guard that runs each operation in one deferred transaction
   */
  public static SqliteTransactionStrategy deferred(SqliteDatabase database) {
    return new SqliteTransactionStrategy(database, TransactionBegin.DEFERRED);
  }

  @Override
  public <R> R around(Supplier<R> operation) {
    return database.inTransaction(begin, operation);
  }

  @Override
  public String toString() {
    return begin == TransactionBegin.IMMEDIATE ? "SqliteImmediate" : "SqliteDeferred";
  }
}

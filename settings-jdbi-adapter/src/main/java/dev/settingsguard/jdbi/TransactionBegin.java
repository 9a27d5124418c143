package dev.settingsguard.jdbi;

/** How {@link SqliteDatabase#inTransaction} begins its transaction. */
public enum TransactionBegin {
  /**
   * {@code BEGIN}: the write lock is taken at the first write. A transaction that reads and then
   * writes fails at once with {@code SQLITE_BUSY_SNAPSHOT} when another connection wrote in
   * between, so it is safe only when something else already excludes other writers.
   */
  DEFERRED("BEGIN"),
  /**
   * {@code BEGIN IMMEDIATE}: the write lock is taken at the start, waiting up to the lock timeout;
   * once begun, the transaction cannot fail for lack of the lock.
   */
  IMMEDIATE("BEGIN IMMEDIATE");

  private final String sql;

  TransactionBegin(String sql) {
    this.sql = sql;
  }

  String sql() {
    return sql;
  }
}

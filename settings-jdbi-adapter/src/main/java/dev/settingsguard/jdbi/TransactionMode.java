package dev.settingsguard.jdbi;

/** How {@link Database#inTransaction} runs a write operation's transaction. */
public enum TransactionMode {
  /**
   * One transaction that makes the operation atomic and excludes no other writer: SQLite's deferred
   * {@code BEGIN}, which fails at once when another connection wrote after this one read. Safe only
   * where something else, such as a lock of this library, already excludes the other writers.
   */
  ATOMIC,
  /**
   * One transaction that first excludes every other writer of the database that runs in this mode,
   * in any process, waiting up to the lock timeout: SQLite's {@code BEGIN IMMEDIATE}. Once begun,
   * it cannot fail for lack of a lock.
   */
  EXCLUSIVE
}

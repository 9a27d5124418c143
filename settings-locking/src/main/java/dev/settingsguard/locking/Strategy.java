package dev.settingsguard.locking;

/**
 * A concurrency strategy. Declared in composition order, outermost first: a chain of several always
 * applies them in this order, whatever order they were listed in.
 */
public enum Strategy {
  /**
   * No concurrency control: the adapter's steps interleave. For negative controls only; never a
   * default, and logged as unsafe.
   */
  NONE,
  /**
   * A {@code ReentrantLock} shared by every store on the same database in this JVM, whose holder
   * runs the writes queued behind it in arrival order, batched under one commit. Safe across
   * threads and crashes; does not exclude other processes, whose commits make this process's
   * read-then-write operations fail with {@code SettingsBusyException}.
   */
  JVM_LOCK,
  /**
   * SQLite only. An OS lock on a separate {@code <database>.lock} file, behind an in-JVM lock. Safe
   * across threads, processes on one host, and crashes.
   */
  FILE_LOCK,
  /**
   * SQLite only. The whole operation in one {@code BEGIN IMMEDIATE} transaction: SQLite's write
   * lock is taken first. Safe across threads, processes and crashes.
   */
  SQLITE_IMMEDIATE,
  /**
   * PostgreSQL only. The whole operation in one transaction that first takes a transaction-scoped
   * advisory lock ({@code pg_advisory_xact_lock}), waiting at most the lock timeout ({@code
   * lock_timeout}). Safe across threads, processes, machines and crashes.
   */
  POSTGRES_ADVISORY_LOCK;

  /**
   * @return whether the strategy works on SQLite
   */
  boolean onSqlite() {
    return this != POSTGRES_ADVISORY_LOCK;
  }

  /**
   * @return whether the strategy works on PostgreSQL
   */
  boolean onPostgres() {
    return this != FILE_LOCK && this != SQLITE_IMMEDIATE;
  }
}

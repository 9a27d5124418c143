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
   * A {@code ReentrantLock} shared by every store on the same canonical database path in this JVM,
   * whose holder runs the writes queued behind it in arrival order, batched under one commit. Safe
   * across threads and crashes; does not exclude other processes, whose commits make this process's
   * read-then-write operations fail with {@code SettingsBusyException}.
   */
  JVM_LOCK,
  /**
   * An OS lock on a separate {@code <database>.lock} file, behind an in-JVM lock. Safe across
   * threads, processes on one host, and crashes.
   */
  FILE_LOCK,
  /**
   * The whole operation in one {@code BEGIN IMMEDIATE} transaction: SQLite's write lock is taken
   * first. Safe across threads, processes and crashes.
   */
  SQLITE_IMMEDIATE
}

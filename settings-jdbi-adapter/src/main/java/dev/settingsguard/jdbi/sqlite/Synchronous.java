package dev.settingsguard.jdbi.sqlite;

/** SQLite's {@code PRAGMA synchronous} level for every connection of a database. */
public enum Synchronous {
  /**
   * In WAL mode, commits survive a process crash; the last commits may be lost if the machine loses
   * power. The default.
   */
  NORMAL,
  /** Every commit is synced to disk before it returns: survives power loss, costs an fsync. */
  FULL
}

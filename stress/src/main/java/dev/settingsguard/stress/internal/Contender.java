package dev.settingsguard.stress.internal;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.locking.Strategy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the stress tools compare: each concurrency strategy on its own, the default chain, and a
 * raw-JDBC baseline that runs the default chain's SQL without the library.
 */
public enum Contender {
  /** The bare adapter: the negative control, expected to break the invariant. */
  NONE(Strategy.NONE),
  /**
   * A JVM-wide lock: safe across threads. Across processes its writes fail busy where they would
   * interleave, and the invariant holds all the same: each write is one transaction.
   */
  JVM_LOCK(Strategy.JVM_LOCK),
  /** An OS lock on {@code <db>.lock}: safe across threads and processes. */
  FILE_LOCK(Strategy.FILE_LOCK),
  /** {@code BEGIN IMMEDIATE} around each operation: safe across threads and processes. */
  SQLITE_IMMEDIATE(Strategy.SQLITE_IMMEDIATE),
  /** The library's default chain, {@code JVM_LOCK + SQLITE_IMMEDIATE}. */
  DEFAULT(SettingsConfig.DEFAULT_STRATEGIES.toArray(Strategy[]::new)),
  /**
   * Plain sqlite-jdbc, one connection per thread, the default chain's statements in {@code BEGIN
   * IMMEDIATE} transactions: what the library costs compared with hand-written JDBC.
   */
  RAW_JDBC;

  private final Strategy[] strategies;

  Contender(Strategy... strategies) {
    this.strategies = strategies;
  }

  /**
   * @return whether the invariant must hold for this contender, with any number of threads and
   *     processes: for every one but {@link #NONE}
   */
  public boolean mustKeepInvariant() {
    return this != NONE;
  }

  /**
   * @return whether this contender is a library store ({@link #RAW_JDBC} is not)
   */
  public boolean isStore() {
    return this != RAW_JDBC;
  }

  /**
   * Opens the library's store for this contender.
   *
   * @param database the database, already open
   * @param lockTimeout the bound on each wait for a lock
   * @return the decorated store; closing it closes the database
   * @throws IllegalStateException for {@link #RAW_JDBC}
   */
  public SettingsStore decorate(SqliteDatabase database, Duration lockTimeout) {
    if (!isStore()) {
      throw new IllegalStateException(this + " is not a library store");
    }
    SettingsConfig config =
        SettingsConfig.builder()
            .database(database.path())
            .strategies(strategies)
            .lockTimeout(lockTimeout)
            .build();
    return SettingsStores.decorate(new JdbiSettingsStore(database), config);
  }

  /**
   * Opens the database file and the library's store for this contender.
   *
   * @param file the database file
   * @param synchronous the commit durability
   * @param lockTimeout the bound on each wait for a lock
   * @return the decorated store; closing it closes the database
   */
  public SettingsStore open(Path file, Synchronous synchronous, Duration lockTimeout) {
    SqliteDatabase database = SqliteDatabase.open(file, synchronous, lockTimeout);
    try {
      return decorate(database, lockTimeout);
    } catch (RuntimeException failure) {
      database.close();
      throw failure;
    }
  }
}

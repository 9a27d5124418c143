package dev.settingsguard.tests.support;

import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.Strategy;
import java.nio.file.Path;
import java.time.Duration;

/** The strategy configurations every concurrency test runs against. */
public enum Chain {
  NONE(false, Strategy.NONE),
  JVM_LOCK(true, Strategy.JVM_LOCK),
  FILE_LOCK(true, Strategy.FILE_LOCK),
  SQLITE_IMMEDIATE(true, Strategy.SQLITE_IMMEDIATE),
  DEFAULT(true, Strategy.JVM_LOCK, Strategy.SQLITE_IMMEDIATE),
  ALL(true, Strategy.JVM_LOCK, Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE);

  /** Long enough that a test never sees a busy error from waiting behind its own threads. */
  public static final Duration TEST_LOCK_TIMEOUT = Duration.ofSeconds(20);

  private final boolean safe;
  private final Strategy[] strategies;

  Chain(boolean safe, Strategy... strategies) {
    this.safe = safe;
    this.strategies = strategies;
  }

  /**
   * @return whether this chain promises the invariant under concurrent threads
   */
  public boolean safe() {
    return safe;
  }

  /**
   * @param database the database file
   * @return the configuration of this chain on that file
   */
  public SettingsConfig config(Path database) {
    return config(database, TEST_LOCK_TIMEOUT);
  }

  /**
   * @param database the database file
   * @param lockTimeout the bound on each wait for a lock
   * @return the configuration of this chain on that file with that timeout
   */
  public SettingsConfig config(Path database, Duration lockTimeout) {
    return SettingsConfig.builder()
        .database(database)
        .strategies(strategies)
        .lockTimeout(lockTimeout)
        .build();
  }
}

package dev.settingsguard.tests.support;

import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.Strategy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The strategy configurations every concurrency test runs against, each as the backends that have
 * it spell it: {@link #DEFAULT} is {@code JVM_LOCK + SQLITE_IMMEDIATE} on SQLite and {@code
 * JVM_LOCK + POSTGRES_ADVISORY_LOCK} on PostgreSQL.
 */
public enum Chain {
  NONE(false, new Strategy[] {Strategy.NONE}, new Strategy[] {Strategy.NONE}),
  JVM_LOCK(true, new Strategy[] {Strategy.JVM_LOCK}, new Strategy[] {Strategy.JVM_LOCK}),
  FILE_LOCK(true, new Strategy[] {Strategy.FILE_LOCK}, null),
  SQLITE_IMMEDIATE(true, new Strategy[] {Strategy.SQLITE_IMMEDIATE}, null),
  POSTGRES_ADVISORY_LOCK(true, null, new Strategy[] {Strategy.POSTGRES_ADVISORY_LOCK}),
  DEFAULT(
      true,
      new Strategy[] {Strategy.JVM_LOCK, Strategy.SQLITE_IMMEDIATE},
      new Strategy[] {Strategy.JVM_LOCK, Strategy.POSTGRES_ADVISORY_LOCK}),
  ALL(
      true,
      new Strategy[] {Strategy.JVM_LOCK, Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE},
      null);

  /** Long enough that a test never sees a busy error from waiting behind its own threads. */
  public static final Duration TEST_LOCK_TIMEOUT = Duration.ofSeconds(20);

  private final boolean safe;
  private final Strategy[] onSqlite;
  private final Strategy[] onPostgres;

  Chain(boolean safe, Strategy[] onSqlite, Strategy[] onPostgres) {
    this.safe = safe;
    this.onSqlite = onSqlite;
    this.onPostgres = onPostgres;
  }

  /**
   * @return whether this chain promises the invariant under concurrent threads
   */
  public boolean safe() {
    return safe;
  }

  /**
   * @param backend a backend
   * @return whether the backend has this chain
   */
  public boolean supports(Backend backend) {
    return (backend == Backend.SQLITE ? onSqlite : onPostgres) != null;
  }

  /**
   * @param backend a backend that has this chain
   * @return the chain's strategies there
   */
  public Strategy[] strategies(Backend backend) {
    Strategy[] strategies = backend == Backend.SQLITE ? onSqlite : onPostgres;
    if (strategies == null) {
      throw new IllegalArgumentException(this + " is not a chain of " + backend);
    }
    return strategies.clone();
  }

  /**
   * @param database the SQLite database file
   * @return the configuration of this chain on that file
   */
  public SettingsConfig config(Path database) {
    return config(database, TEST_LOCK_TIMEOUT);
  }

  /**
   * @param database the SQLite database file
   * @param lockTimeout the bound on each wait for a lock
   * @return the configuration of this chain on that file with that timeout
   */
  public SettingsConfig config(Path database, Duration lockTimeout) {
    return TestDatabase.sqlite(database).config(this, lockTimeout);
  }
}

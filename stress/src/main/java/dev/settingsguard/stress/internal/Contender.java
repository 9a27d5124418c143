package dev.settingsguard.stress.internal;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.locking.Strategy;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the stress tools compare: each concurrency strategy of a backend on its own, the backend's
 * default chain, and a raw-JDBC baseline that writes the same change without the library.
 */
public enum Contender {
  /** The bare adapter: the negative control, expected to break the invariant. */
  NONE(EnumSet.allOf(Backend.class), Strategy.NONE),
  /**
   * A JVM-wide lock: safe across threads. Across processes each write is still one transaction, so
   * the invariant holds, but writes that would interleave can fail: busy on SQLite when a
   * transaction that has read meets another's write lock, and on PostgreSQL busy on a deadlock or
   * failed on the single-active index.
   */
  JVM_LOCK(EnumSet.allOf(Backend.class), Strategy.JVM_LOCK),
  /** An OS lock on {@code <db>.lock}: safe across threads and processes. */
  FILE_LOCK(EnumSet.of(Backend.SQLITE), Strategy.FILE_LOCK),
  /** {@code BEGIN IMMEDIATE} around each operation: safe across threads and processes. */
  SQLITE_IMMEDIATE(EnumSet.of(Backend.SQLITE), Strategy.SQLITE_IMMEDIATE),
  /** A transaction-scoped advisory lock for every writer: safe across threads and machines. */
  POSTGRES_ADVISORY_LOCK(EnumSet.of(Backend.POSTGRES), Strategy.POSTGRES_ADVISORY_LOCK),
  /** The backend's default chain. */
  DEFAULT(EnumSet.allOf(Backend.class)),
  /**
   * Plain JDBC, one connection per thread, the minimal correct transaction written by hand (SPEC
   * §10): what the library costs compared with an engineer who knows JDBC.
   */
  RAW_JDBC(EnumSet.allOf(Backend.class));

  private final Set<Backend> backends;
  private final Strategy[] strategies;

  Contender(Set<Backend> backends, Strategy... strategies) {
    this.backends = backends;
    this.strategies = strategies;
  }

  /**
   * @param backend a backend
   * @return whether this contender can run on it
   */
  public boolean runsOn(Backend backend) {
    return backends.contains(backend);
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
   * @param database the database, already created
   * @param synchronous the commit durability, for SQLite
   * @param lockTimeout the bound on each wait for a lock
   * @return the store; closing it closes its connections
   * @throws IllegalStateException for {@link #RAW_JDBC}, or a contender of the other backend
   */
  public SettingsStore open(
      StressDatabase database, Synchronous synchronous, Duration lockTimeout) {
    return SettingsStores.open(config(database, synchronous, lockTimeout));
  }

  /**
   * Wraps an open SQLite database in this contender's chain, for the jcstress tests.
   *
   * @param database the database, already open
   * @param lockTimeout the bound on each wait for a lock
   * @return the decorated store; closing it closes the database
   * @throws IllegalStateException for {@link #RAW_JDBC}, or a contender of PostgreSQL alone
   */
  public SettingsStore decorate(SqliteDatabase database, Duration lockTimeout) {
    return SettingsStores.decorate(
        new JdbiSettingsStore(database),
        config(StressDatabase.sqlite(database.path()), Synchronous.NORMAL, lockTimeout));
  }

  private SettingsConfig config(
      StressDatabase database, Synchronous synchronous, Duration lockTimeout) {
    if (!isStore() || !runsOn(database.backend())) {
      throw new IllegalStateException(
          this + " is not a library store on " + database.backend().displayName());
    }
    SettingsConfig.Builder builder =
        database.configure(SettingsConfig.builder(), synchronous).lockTimeout(lockTimeout);
    // Without strategies the builder picks the backend's default chain.
    return (this == DEFAULT ? builder : builder.strategies(strategies)).build();
  }
}

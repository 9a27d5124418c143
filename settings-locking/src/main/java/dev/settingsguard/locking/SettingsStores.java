package dev.settingsguard.locking;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.TransactionMode;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.locking.internal.CachedReadsStore;
import dev.settingsguard.locking.internal.CheckedSettingsStore;
import dev.settingsguard.locking.internal.FileLockStrategy;
import dev.settingsguard.locking.internal.GuardedSettingsStore;
import dev.settingsguard.locking.internal.JvmLockStrategy;
import dev.settingsguard.locking.internal.TransactionStrategy;
import dev.settingsguard.locking.internal.WriteGuard;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a guarded store without Guice; {@link SettingsModule} binds the same chain.
 *
 * <p>The chain, outermost first: {@code JvmLock → FileLock → SqliteImmediate} on SQLite, {@code
 * JvmLock → PostgresAdvisoryLock} on PostgreSQL, each present when its strategy was chosen, around
 * one transaction per write: {@code BEGIN IMMEDIATE} with {@code SQLITE_IMMEDIATE}, a transaction
 * that first takes the advisory lock with {@code POSTGRES_ADVISORY_LOCK}, a plain transaction
 * otherwise, so every safe chain is atomic. {@code NONE} is the bare adapter. Outside the chain,
 * the input rules refuse bad input before any lock is taken.
 */
public final class SettingsStores {

  private static final Logger LOG = LoggerFactory.getLogger(SettingsStores.class);

  private SettingsStores() {}

  /**
   * Opens the database and returns the chain the configuration chose.
   *
   * @param config what to open and how to guard it
   * @return the store; closing it closes the database and releases the lock file
   * @throws dev.settingsguard.core.SettingsStorageException naming the database if it or its lock
   *     file cannot be opened, or the server cannot be reached in time
   * @throws dev.settingsguard.core.SettingsBusyException if the schema must be migrated and another
   *     connection kept SQLite's write lock for the whole lock timeout
   * @throws IllegalStateException if PostgreSQL was chosen and its driver or pool is missing
   */
  public static SettingsStore open(SettingsConfig config) {
    Objects.requireNonNull(config, "config");
    Database database = openDatabase(config);
    try {
      return decorate(
          new JdbiSettingsStore(database, config.changeLogLength(), config.secretKeys()), config);
    } catch (RuntimeException failure) {
      database.close();
      throw failure;
    }
  }

  private static Database openDatabase(SettingsConfig config) {
    if (!config.isPostgres()) {
      return SqliteDatabase.open(config.database(), config.synchronous(), config.lockTimeout());
    }
    return config.postgresUrl() != null
        ? PostgresDatabase.open(config.postgresUrl(), config.lockTimeout())
        : PostgresDatabase.open(config.postgresDataSource(), config.lockTimeout());
  }

  /**
   * Wraps an open adapter in the chain the configuration chose; {@code config.database()} and
   * {@code config.synchronous()} are not used, the adapter's database is.
   *
   * @param adapter the adapter to guard
   * @param config the strategies, the lock timeout and whether reads are cached
   * @return the guarded store; closing it closes the adapter
   */
  public static SettingsStore decorate(JdbiSettingsStore adapter, SettingsConfig config) {
    Set<Strategy> strategies = config.strategies();
    Database database = adapter.database();
    if (strategies.contains(Strategy.NONE)) {
      LOG.warn(
          "Settings database {} uses strategy NONE: concurrent writes can leave zero active"
              + " providers or fail; use it only as a negative control",
          database.name());
      return new CheckedSettingsStore(
          withCache(adapter, config), database, adapter.hasSecretKeys());
    }
    WriteGuard transaction =
        new TransactionStrategy(
            database,
            strategies.contains(Strategy.SQLITE_IMMEDIATE)
                    || strategies.contains(Strategy.POSTGRES_ADVISORY_LOCK)
                ? TransactionMode.EXCLUSIVE
                : TransactionMode.ATOMIC);
    SettingsStore store = new GuardedSettingsStore(adapter, transaction);
    WriteGuard guardsBelow = transaction;
    if (strategies.contains(Strategy.FILE_LOCK)) {
      WriteGuard fileLock =
          FileLockStrategy.forDatabase(sqliteFile(database), guardsBelow, config.lockTimeout());
      store = new GuardedSettingsStore(store, fileLock);
      guardsBelow = WriteGuard.nest(fileLock, guardsBelow);
    }
    if (strategies.contains(Strategy.JVM_LOCK)) {
      WriteGuard underTheLock = guardsBelow;
      store =
          new GuardedSettingsStore(
              store,
              JvmLockStrategy.forDatabase(
                  database.identity(),
                  database.name(),
                  underTheLock,
                  ids -> underTheLock.around(() -> adapter.setActiveProviders(ids)),
                  config.lockTimeout()));
    }
    LOG.debug("Settings database {} guarded by {}", database.name(), store);
    return new CheckedSettingsStore(withCache(store, config), database, adapter.hasSecretKeys());
  }

  /** Reads from memory, outside the locks, when the configuration asks for it. */
  private static SettingsStore withCache(SettingsStore chain, SettingsConfig config) {
    return config.cachedReads() ? new CachedReadsStore(chain) : chain;
  }

  /** {@code FILE_LOCK} is SQLite's: its lock file lies beside the database file. */
  private static Path sqliteFile(Database database) {
    if (database instanceof SqliteDatabase sqlite) {
      return sqlite.path();
    }
    throw new IllegalStateException("FILE_LOCK needs a SQLite database, not " + database.name());
  }
}

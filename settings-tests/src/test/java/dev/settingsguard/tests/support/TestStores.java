package dev.settingsguard.tests.support;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;

/** Opens stores on test databases. */
public final class TestStores {

  /** The pause after every statement that widens the windows between an operation's steps. */
  public static final long STEP_PAUSE_NANOS = 300_000;

  private TestStores() {}

  /**
   * Opens a store of the given chain whose every SQL statement is followed by a short pause. The
   * pause makes the unguarded adapter's steps interleave in every run, so a concurrency test shows
   * the bug for {@link Chain#NONE}; the safe chains must hold all the same.
   *
   * @param chain the strategies
   * @param database the database file
   * @return the store
   */
  public static SettingsStore openWithSlowSteps(Chain chain, Path database) {
    return openWithSlowSteps(chain, TestDatabase.sqlite(database));
  }

  /**
   * As {@link #openWithSlowSteps(Chain, Path)}, on a database of either backend.
   *
   * @param chain the strategies
   * @param database the database
   * @return the store
   */
  public static SettingsStore openWithSlowSteps(Chain chain, TestDatabase database) {
    return openWithSqlLogger(database, database.config(chain), new PauseAfterEachStatement());
  }

  /**
   * Opens the SQLite configuration's store with a {@link SqlLogger} that sees each of its SQL steps
   * (not the transactions' own statements), to act between them.
   *
   * @param config the database, the strategies and the lock timeout
   * @param logger called around every step
   * @return the store
   */
  public static SettingsStore openWithSqlLogger(SettingsConfig config, SqlLogger logger) {
    return openWithSqlLogger(TestDatabase.sqlite(config.database()), config, logger);
  }

  /**
   * As {@link #openWithSqlLogger(SettingsConfig, SqlLogger)}, on a database of either backend.
   *
   * @param database the database
   * @param config its configuration, with the strategies and the lock timeout
   * @param logger called around every step
   * @return the store
   */
  public static SettingsStore openWithSqlLogger(
      TestDatabase database, SettingsConfig config, SqlLogger logger) {
    Database opened = database.open(config.lockTimeout());
    opened.setSqlLogger(logger);
    return SettingsStores.decorate(new JdbiSettingsStore(opened), config);
  }

  /**
   * @param chain the strategies
   * @param database the database file
   * @return the store, exactly as an application would open it
   */
  public static SettingsStore open(Chain chain, Path database) {
    return SettingsStores.open(chain.config(database));
  }

  /**
   * @param chain the strategies
   * @param database a database of either backend
   * @return the store, exactly as an application would open it
   */
  public static SettingsStore open(Chain chain, TestDatabase database) {
    return SettingsStores.open(database.config(chain));
  }

  /**
   * Creates the database if needed and adds providers named {@code seeded-0}, {@code seeded-1}, …,
   * the last of them active, through the default chain.
   *
   * @param database the database file
   * @param count how many providers to add
   */
  public static void seedProviders(Path database, int count) {
    seedProviders(TestDatabase.sqlite(database), count);
  }

  /**
   * As {@link #seedProviders(Path, int)}, on a database of either backend.
   *
   * @param database the database
   * @param count how many providers to add
   */
  public static void seedProviders(TestDatabase database, int count) {
    try (SettingsStore seed = open(Chain.DEFAULT, database)) {
      for (int i = 0; i < count; i++) {
        seed.addAiProvider("seeded-" + i, null, null);
      }
    }
  }

  private static final class PauseAfterEachStatement implements SqlLogger {
    @Override
    public void logAfterExecution(StatementContext context) {
      LockSupport.parkNanos(STEP_PAUSE_NANOS);
    }
  }
}

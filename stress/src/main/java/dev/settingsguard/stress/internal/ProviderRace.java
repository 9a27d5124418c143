package dev.settingsguard.stress.internal;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The jcstress fixture: two writers race on a real store over a SQLite file, and each then counts
 * the active providers as any reader would.
 *
 * <p>Every race starts from the same rows: {@code alpha} (id 1, active) and {@code beta} (id 2).
 * One writer activates {@code beta}; the other deletes {@code alpha} and adds it again. In every
 * serial order each writer then sees exactly one active provider, and so does the arbiter.
 *
 * <p>jcstress makes a new state for every sample, while opening a database costs milliseconds
 * (file, WAL switch, schema). So databases are pooled per contender for the life of the forked test
 * JVM: a race takes an idle one and resets its rows, the arbiter gives it back. The pool grows to
 * the number of states jcstress keeps alive at once, a few dozen for tests this slow.
 */
public final class ProviderRace {

  /** Every count an actor or the arbiter reports when its operation threw instead. */
  public static final int THREW = -1;

  private static final long ALPHA = 1;
  private static final long BETA = 2;
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);
  private static final Map<Contender, Queue<PooledStore>> IDLE = new ConcurrentHashMap<>();
  private static final Queue<PooledStore> ALL = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger CREATED = new AtomicInteger();
  private static final Path DIRECTORY = createDirectory();

  private final PooledStore pooled;
  private final Queue<PooledStore> idle;

  private ProviderRace(Contender contender) {
    this.idle = IDLE.computeIfAbsent(contender, c -> new ConcurrentLinkedQueue<>());
    PooledStore taken = idle.poll();
    this.pooled = taken != null ? taken : PooledStore.create(contender);
    pooled.reset();
  }

  /**
   * Takes a database for one race and resets its rows.
   *
   * @param contender the store configuration under test; {@link Contender#RAW_JDBC} is refused
   * @return the race, ready for its two writers
   */
  public static ProviderRace start(Contender contender) {
    return new ProviderRace(contender);
  }

  /**
   * The first writer: activates {@code beta}.
   *
   * @return the active providers it sees afterwards, or {@link #THREW}
   */
  public int activateBeta() {
    try {
      pooled.store.setActiveProvider(BETA);
      return activeCount();
    } catch (SettingsException failure) {
      return THREW;
    }
  }

  /**
   * The second writer: deletes {@code alpha}, which is active at the start, and adds it again.
   *
   * @return the active providers it sees afterwards, or {@link #THREW}
   */
  public int replaceAlpha() {
    try {
      pooled.store.deleteAiProvider(ALPHA);
      pooled.store.addAiProvider("alpha", null, null);
      return activeCount();
    } catch (SettingsException failure) {
      return THREW;
    }
  }

  /**
   * The arbiter: counts the active providers once both writers are done, and gives the database
   * back to the pool. Call it exactly once.
   *
   * @return the active providers, or {@link #THREW}
   */
  public int finish() {
    try {
      return activeCount();
    } catch (SettingsException failure) {
      return THREW;
    } finally {
      idle.offer(pooled);
    }
  }

  private int activeCount() {
    return (int) pooled.store.listAiProviders().stream().filter(AiProvider::active).count();
  }

  private static Path createDirectory() {
    Path directory = TempFiles.createDirectory("settings-jcstress-");
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> closeAll(directory), "settings-jcstress-cleanup"));
    return directory;
  }

  /** Closing checkpoints and removes each WAL; then the files go. */
  private static void closeAll(Path directory) {
    PooledStore pooled;
    while ((pooled = ALL.poll()) != null) {
      pooled.close();
    }
    TempFiles.deleteTree(directory);
  }

  /**
   * One database file, the store over it, and a plain connection that resets its rows between
   * races; used by one race at a time.
   */
  private static final class PooledStore {
    final SettingsStore store;
    final Connection resetter;

    private PooledStore(SettingsStore store, Connection resetter) {
      this.store = store;
      this.resetter = resetter;
    }

    static PooledStore create(Contender contender) {
      Path file =
          DIRECTORY.resolve(
              contender.name().toLowerCase() + "-" + CREATED.incrementAndGet() + ".db");
      SqliteDatabase database = SqliteDatabase.open(file, Synchronous.NORMAL, LOCK_TIMEOUT);
      SettingsStore store = contender.decorate(database, LOCK_TIMEOUT);
      try {
        Connection resetter = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement statement = resetter.createStatement()) {
          statement.execute("PRAGMA busy_timeout = " + LOCK_TIMEOUT.toMillis());
        }
        PooledStore pooled = new PooledStore(store, resetter);
        ALL.add(pooled);
        return pooled;
      } catch (SQLException failure) {
        store.close();
        throw new IllegalStateException("Cannot open " + file, failure);
      }
    }

    /** Fixed ids make the writers' arguments constants: no lookup widens or narrows the race. */
    void reset() {
      try (Statement statement = resetter.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
        statement.execute("DELETE FROM ai_providers");
        statement.execute(
            "INSERT INTO ai_providers"
                + " (id, provider_name, api_key, model, is_active, created_at, updated_at)"
                + " VALUES (1, 'alpha', NULL, NULL, 1, 1, 1), (2, 'beta', NULL, NULL, 0, 1, 1)");
        statement.execute("COMMIT");
      } catch (SQLException failure) {
        throw new IllegalStateException("Cannot reset the race's rows", failure);
      }
    }

    void close() {
      try {
        resetter.close();
      } catch (SQLException ignored) {
        // The file is deleted next; nothing is left to release.
      } finally {
        store.close();
      }
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.postgres.internal.OwnedPool;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.testkit.PostgresServer;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real PostgreSQL server that restarts, ends the library's sessions or is down: every call ends
 * typed within the lock timeout plus the connect timeout, nothing is half-applied, and the same
 * store works again once the server is back. The server is this class's own, since it is stopped.
 */
// A separate thread: a call stuck in a socket read still fails the test in time.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PostgresFaultsTest {

  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);

  /** The bound on any one call: the lock timeout plus the connect timeout, and some slack. */
  private static final Duration CALL_BOUND = LOCK_TIMEOUT.multipliedBy(2).plusSeconds(3);

  private static final int THREADS = 16;

  private static PostgresServer server;

  /** What the last writers did, for the log. */
  private static String lastReport;

  @BeforeAll
  static void startServer() {
    server = PostgresServer.startLocal();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @ParameterizedTest(name = "restart -m {0}")
  @ValueSource(strings = {"fast", "immediate"})
  void sixteenWritersSurviveARestartOnTheSameStore(String mode) throws Exception {
    TestDatabase db = TestDatabase.postgres(server.newDatabase());
    try (SettingsStore store = SettingsStores.open(db.config(Chain.DEFAULT, LOCK_TIMEOUT))) {
      List<Long> ids = seed(store);
      try (Writers writers = Writers.start(store, ids)) {
        writers.awaitSuccesses(200);
        server.restart(mode);
        writers.awaitSuccesses(writers.successes() + 200);
      }
      assertThat(store.setActiveProvider(ids.get(0)).active()).isTrue();
      System.out.printf("PostgresFaultsTest restart -m %s: %s%n", mode, lastReport);
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(THREADS, 1));
  }

  @Test
  void sixteenWritersSurviveTheTerminationOfTheirSessions() throws Exception {
    TestDatabase db = TestDatabase.postgres(server.newDatabase());
    try (SettingsStore store = SettingsStores.open(db.config(Chain.DEFAULT, LOCK_TIMEOUT));
        Connection admin = db.connect();
        Statement sql = admin.createStatement()) {
      List<Long> ids = seed(store);
      try (Writers writers = Writers.start(store, ids)) {
        for (int round = 0; round < 5; round++) {
          writers.awaitSuccesses(writers.successes() + 100);
          sql.execute(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  + " WHERE datname = current_database() AND pid <> pg_backend_pid()");
        }
        writers.awaitSuccesses(writers.successes() + 100);
        assertThat(writers.failures()).as("some calls met a terminated session").isNotEmpty();
      }
      System.out.printf("PostgresFaultsTest pg_terminate_backend: %s%n", lastReport);
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(THREADS, 1));
  }

  @Test
  void aServerThatIsDownFailsOpenAndCallsTypedAndInTimeThenTheStoreRecovers() throws Exception {
    TestDatabase db = TestDatabase.postgres(server.newDatabase());
    SettingsConfig config = db.config(Chain.DEFAULT, LOCK_TIMEOUT);
    try (SettingsStore store = SettingsStores.open(config)) {
      long id = store.addAiProvider("p", null, null).id();
      server.stop();
      try {
        long start = System.nanoTime();
        assertThatThrownBy(() -> SettingsStores.open(config))
            .isInstanceOf(SettingsStorageException.class)
            .hasMessageContaining(db.jdbcUrl().substring(0, db.jdbcUrl().indexOf('?')));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CALL_BOUND);

        start = System.nanoTime();
        assertThatThrownBy(() -> store.setActiveProvider(id))
            .isInstanceOf(SettingsStorageException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CALL_BOUND);
        start = System.nanoTime();
        assertThatThrownBy(store::getActiveProvider).isInstanceOf(SettingsStorageException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CALL_BOUND);
      } finally {
        server.startAgain();
      }
      assertThat(store.addAiProvider("q", null, null).active()).isTrue();
      assertThat(store.setActiveProvider(id).active()).isTrue();
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));
  }

  /**
   * A server that stops answering, connections open: calls end when the socket timeout runs out
   * (above the lock timeout), typed, and the store works again once the server answers.
   */
  @Test
  void aServerThatStopsAnsweringEndsCallsTypedWithinTheSocketTimeout() throws Exception {
    TestDatabase db = TestDatabase.postgres(server.newDatabase());
    Duration bound = Duration.ofSeconds(OwnedPool.socketTimeoutSeconds(LOCK_TIMEOUT) + 3);
    try (SettingsStore store = SettingsStores.open(db.config(Chain.DEFAULT, LOCK_TIMEOUT))) {
      long id = store.addAiProvider("p", null, null).id();
      server.freeze();
      try {
        for (Runnable call :
            new Runnable[] {() -> store.setActiveProvider(id), store::listSettings}) {
          long start = System.nanoTime();
          assertThatThrownBy(call::run)
              .isInstanceOfAny(SettingsStorageException.class, SettingsBusyException.class);
          assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(bound);
        }
      } finally {
        server.thaw();
      }
      assertThat(store.addAiProvider("q", null, null).active()).isTrue();
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));
  }

  /**
   * The server stops answering in the middle of a write, its connection in use: the write ends when
   * the socket timeout runs out, typed, nothing of it applied, and the next write works.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aServerThatStopsAnsweringDuringAWriteEndsItTypedWithinTheSocketTimeout() throws Exception {
    TestDatabase db = TestDatabase.postgres(server.newDatabase());
    TestStores.seedProviders(db, 2);
    Duration bound = Duration.ofSeconds(OwnedPool.socketTimeoutSeconds(LOCK_TIMEOUT) + 3);
    AtomicBoolean frozen = new AtomicBoolean();
    SqlLogger freezeAsTheWriteIsSent =
        new SqlLogger() {
          @Override
          public void logBeforeExecution(StatementContext context) {
            if (context.getRawSql().contains("UPDATE ai_providers SET is_active = 0")
                && frozen.compareAndSet(false, true)) {
              server.freeze();
            }
          }
        };
    try (SettingsStore store =
        TestStores.openWithSqlLogger(
            db, db.config(Chain.DEFAULT, LOCK_TIMEOUT), freezeAsTheWriteIsSent)) {
      try {
        long start = System.nanoTime();
        assertThatThrownBy(() -> store.setActiveProvider(1))
            .isInstanceOf(SettingsStorageException.class)
            .hasMessageContaining("Lost the connection");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(bound);
      } finally {
        server.thaw();
      }
      assertThat(frozen).isTrue();
      assertThat(store.setActiveProvider(1).active()).isTrue();
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));
  }

  private static List<Long> seed(SettingsStore store) {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      ids.add(store.addAiProvider("provider-" + i, null, null).id());
    }
    return ids;
  }

  /**
   * Threads that activate providers until closed, each call timed: they count successes and
   * failures by type, and fail the test on a call that took longer than {@link #CALL_BOUND}, ended
   * untyped, or returned a provider that is not active.
   */
  private static final class Writers implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicLong successes = new AtomicLong();
    private final Map<String, Long> failures = new ConcurrentHashMap<>();
    private final List<Throwable> defects = new ArrayList<>();
    private final AtomicLong slowestNanos = new AtomicLong();
    private final CountDownLatch started = new CountDownLatch(THREADS);

    static Writers start(SettingsStore store, List<Long> ids) throws InterruptedException {
      Writers writers = new Writers();
      for (int i = 0; i < THREADS; i++) {
        int index = i;
        Thread thread = new Thread(() -> writers.write(store, ids, index), "writer-" + i);
        thread.setDaemon(true);
        writers.threads.add(thread);
        thread.start();
      }
      writers.started.await();
      return writers;
    }

    private void write(SettingsStore store, List<Long> ids, int index) {
      started.countDown();
      for (int n = index; !stopped.get(); n++) {
        long id = ids.get(n % ids.size());
        long start = System.nanoTime();
        try {
          AiProvider activated = store.setActiveProvider(id);
          if (!activated.active()) {
            defect(new AssertionError("returned inactive: " + activated));
          }
          successes.incrementAndGet();
        } catch (SettingsStorageException | SettingsBusyException expected) {
          failures.merge(expected.getClass().getSimpleName(), 1L, Long::sum);
        } catch (Throwable untyped) {
          defect(untyped);
        }
        long took = System.nanoTime() - start;
        slowestNanos.accumulateAndGet(took, Math::max);
        if (took > CALL_BOUND.toNanos()) {
          defect(new AssertionError("a call took " + Duration.ofNanos(took)));
        }
      }
    }

    private synchronized void defect(Throwable defect) {
      defects.add(defect);
    }

    long successes() {
      return successes.get();
    }

    Map<String, Long> failures() {
      return failures;
    }

    /** Waits until the writers have succeeded {@code count} times in all: writes work. */
    void awaitSuccesses(long count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (successes.get() < count) {
        assertThat(System.nanoTime() - deadline)
            .as("writes succeed again within 30 s (%d of %d so far)", successes.get(), count)
            .isNegative();
        Thread.sleep(5);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stopped.set(true);
      for (Thread thread : threads) {
        thread.join(CALL_BOUND.toMillis() + 5_000);
        assertThat(thread.isAlive()).as("%s ended", thread.getName()).isFalse();
      }
      lastReport =
          "successes="
              + successes
              + ", failures="
              + failures
              + ", slowest call="
              + Duration.ofNanos(slowestNanos.get());
      synchronized (this) {
        assertThat(defects).as("untyped, slow or wrong calls").isEmpty();
      }
    }
  }
}

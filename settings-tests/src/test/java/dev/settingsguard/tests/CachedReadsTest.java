package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.BarrierRun;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code cachedReads(true)}, on both backends: reads come from memory, every snapshot is a
 * committed state, a store reads its own writes at once, and another store's writes arrive with the
 * feed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CachedReadsTest {

  private static final int WRITERS = 16;
  private static final int WRITES_PER_THREAD = 40;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void readersSeeOneActiveProviderAndEveryWriterReadsItsOwnWrites(Backend backend)
      throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    TestStores.seedProviders(db, 4);
    try (SettingsStore cached =
            SettingsStores.open(db.builder(Chain.DEFAULT).cachedReads(true).build());
        SettingsStore other = TestStores.open(Chain.DEFAULT, db)) {
      List<Long> ids = cached.listAiProviders().stream().map(AiProvider::id).toList();
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicInteger snapshots = new AtomicInteger();
      AtomicInteger violations = new AtomicInteger();
      Thread reader =
          new Thread(
              () -> {
                while (writing.get()) {
                  long active =
                      cached.listAiProviders().stream().filter(AiProvider::active).count();
                  Optional<AiProvider> activeOne = cached.getActiveProvider();
                  snapshots.incrementAndGet();
                  if (active != 1 || activeOne.isEmpty()) {
                    violations.incrementAndGet();
                  }
                }
              });
      reader.start();
      AtomicInteger staleOwnReads = new AtomicInteger();
      BarrierRun.Result run =
          BarrierRun.run(
              WRITERS,
              Duration.ofSeconds(60),
              thread -> {
                Random random = new Random(thread);
                for (int i = 0; i < WRITES_PER_THREAD; i++) {
                  String value = "write " + i;
                  cached.setSetting("own-" + thread, value);
                  if (!cached
                      .getSetting("own-" + thread)
                      .map(Setting::value)
                      .equals(Optional.of(value))) {
                    staleOwnReads.incrementAndGet();
                  }
                  long id = ids.get(random.nextInt(ids.size()));
                  if (random.nextBoolean()) {
                    cached.setActiveProvider(id);
                  } else {
                    other.setActiveProvider(id);
                  }
                }
              });
      writing.set(false);
      reader.join(10_000);

      System.out.printf(
          "CachedReadsTest %s: %d snapshots read, %d violations, %d stale own reads%n",
          backend, snapshots.get(), violations.get(), staleOwnReads.get());
      assertThat(run.failures()).isEmpty();
      assertThat(run.unfinished()).isZero();
      assertThat(snapshots.get()).isPositive();
      assertThat(violations.get()).as("snapshots with zero or two active providers").isZero();
      assertThat(staleOwnReads.get()).as("reads that missed the reader's own write").isZero();

      other.setSetting("written.elsewhere", "arrives");
      awaitSetting(cached, "written.elsewhere", "arrives", Duration.ofSeconds(5));
      long active = other.getActiveProvider().orElseThrow().id();
      assertThat(cached.getActiveProvider()).get().extracting(AiProvider::id).isEqualTo(active);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void readsAfterTheFirstAreServedWithoutAStatement(Backend backend) {
    TestDatabase db = backend.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    AtomicLong statements = new AtomicLong();
    Thread reading = Thread.currentThread();
    SqlLogger counter =
        new SqlLogger() {
          @Override
          public void logBeforeExecution(StatementContext context) {
            // The feed's thread reads the log and refreshes the snapshot on its own.
            if (Thread.currentThread() == reading) {
              statements.incrementAndGet();
            }
          }
        };
    try (SettingsStore cached =
        TestStores.openWithSqlLogger(
            db, db.builder(Chain.DEFAULT).cachedReads(true).build(), counter)) {
      cached.setSetting("k", "v");
      cached.getActiveProvider();
      statements.set(0);
      for (int i = 0; i < 1_000; i++) {
        assertThat(cached.getActiveProvider()).isPresent();
        assertThat(cached.getSetting("k")).map(Setting::value).contains("v");
      }
      assertThat(statements.get()).as("statements run by 2,000 cached reads").isZero();
    }
  }

  private static void awaitSetting(SettingsStore store, String key, String value, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!store.getSetting(key).map(Setting::value).equals(Optional.of(value))) {
      assertThat(System.nanoTime() - deadline).as("%s arrived within %s", key, bound).isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}

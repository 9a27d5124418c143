package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
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

  /**
   * A writer switches the active provider to p[i % 3], then sets {@code seq} to i, so every
   * committed state has the active provider p[seq % 3] or p[(seq + 1) % 3]. A snapshot that took
   * its settings and providers from two states shows an older one.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aSnapshotNeverMixesProvidersAndSettingsOfTwoStates(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    // Reading 1,000 providers takes long enough for commits to fall between a snapshot's reads.
    TestStores.seedProviders(db, 1_000);
    List<Long> ids;
    try (SettingsStore seed = TestStores.open(Chain.DEFAULT, db)) {
      ids = seed.listAiProviders().stream().map(AiProvider::id).limit(3).toList();
      seed.setActiveProvider(ids.get(0));
      seed.setSetting("seq", "0");
    }
    try (SettingsStore writer = TestStores.open(Chain.DEFAULT, db);
        SettingsStore cached =
            SettingsStores.open(db.builder(Chain.DEFAULT).cachedReads(true).build())) {
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicInteger checked = new AtomicInteger();
      AtomicInteger mixed = new AtomicInteger();
      Thread reader =
          new Thread(
              () -> {
                while (writing.get()) {
                  String before = cached.getSetting("seq").orElseThrow().value();
                  long active = cached.getActiveProvider().orElseThrow().id();
                  String after = cached.getSetting("seq").orElseThrow().value();
                  if (before.equals(after)) {
                    int seq = Integer.parseInt(before);
                    checked.incrementAndGet();
                    if (active != ids.get(seq % 3) && active != ids.get((seq + 1) % 3)) {
                      mixed.incrementAndGet();
                    }
                  }
                }
              });
      reader.start();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      int written = 0;
      while (System.nanoTime() < end) {
        written++;
        writer.setActiveProvider(ids.get(written % 3));
        writer.setSetting("seq", Integer.toString(written));
      }
      writing.set(false);
      reader.join(10_000);

      System.out.printf(
          "CachedReadsTest %s: %d pairs of writes, %d reads checked, %d mixed two states%n",
          backend, written, checked.get(), mixed.get());
      assertThat(checked.get()).isPositive();
      assertThat(mixed.get()).as("reads whose snapshot mixed two committed states").isZero();
    }
  }

  /** A listener of a cached store's watch reads the change it is told of, not an older state. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aListenerReadsTheChangeItIsToldOf(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore writer = TestStores.open(Chain.DEFAULT, db);
        SettingsStore cached =
            SettingsStores.open(db.builder(Chain.DEFAULT).cachedReads(true).build())) {
      int writes = 300;
      AtomicInteger told = new AtomicInteger();
      AtomicInteger older = new AtomicInteger();
      try (SettingsWatch watch =
          cached.watch(
              cached.currentRevision(),
              change -> {
                long read = cached.getSetting(change.settingKey()).orElseThrow().revision();
                if (read < change.revision()) {
                  older.incrementAndGet();
                }
                told.incrementAndGet();
              })) {
        for (int i = 0; i < writes; i++) {
          writer.setSetting("k", "v" + i);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (told.get() < writes && System.nanoTime() < deadline) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
      }
      assertThat(told.get()).isEqualTo(writes);
      assertThat(older.get()).as("changes whose listener read an older state").isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aClosedCachedStoreRefusesReadsAsAnUncachedOneDoes(Backend backend) {
    TestDatabase db = backend.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    SettingsStore cached = SettingsStores.open(db.builder(Chain.DEFAULT).cachedReads(true).build());
    SettingsStore uncached = TestStores.open(Chain.DEFAULT, db);
    cached.close();
    uncached.close();

    assertThatThrownBy(uncached::getActiveProvider).isInstanceOf(SettingsStorageException.class);
    assertThatThrownBy(cached::getActiveProvider).isInstanceOf(SettingsStorageException.class);
    assertThatThrownBy(() -> cached.getSetting("k")).isInstanceOf(SettingsStorageException.class);
    assertThatThrownBy(cached::listAiProviders).isInstanceOf(SettingsStorageException.class);
  }

  private static void awaitSetting(SettingsStore store, String key, String value, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!store.getSetting(key).map(Setting::value).equals(Optional.of(value))) {
      assertThat(System.nanoTime() - deadline).as("%s arrived within %s", key, bound).isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}

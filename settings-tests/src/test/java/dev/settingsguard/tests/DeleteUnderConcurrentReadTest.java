package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.ActiveProviderWatcher;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.BarrierRun;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.Outcome;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two writers repeatedly delete the active provider and add it back, while ten readers released by
 * the same barrier read through the store. With five providers and two writers, at least three
 * providers exist at every moment, so a reader must always find exactly one active. The unguarded
 * adapter deletes and only then activates a successor, and its add deactivates before it inserts:
 * readers see no active provider in between.
 */
class DeleteUnderConcurrentReadTest {

  private static final int PROVIDERS = 5;
  private static final int WRITERS = 2;
  private static final int READERS = 10;
  private static final int CYCLES_PER_WRITER = 30;
  private static final Duration JOIN = Duration.ofSeconds(60);

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void readersAlwaysSeeExactlyOneActiveProviderWhileTheActiveOneIsDeletedAndReAdded(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    AtomicInteger readerViolations = new AtomicInteger();
    AtomicLong reads = new AtomicLong();
    AtomicInteger deletions = new AtomicInteger();
    CountDownLatch writersDone = new CountDownLatch(WRITERS);
    BarrierRun.Result result;
    ActiveProviderWatcher watcher;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      for (int i = 0; i < PROVIDERS; i++) {
        store.addAiProvider("provider-" + i, ApiKey.of("sk-provider-" + i), "model-" + i);
      }
      watcher = ActiveProviderWatcher.start(db);
      try (watcher) {
        result =
            BarrierRun.run(
                WRITERS + READERS,
                JOIN,
                i -> {
                  if (i < WRITERS) {
                    try {
                      deleteAndReAddTheActiveProvider(store, deletions);
                    } finally {
                      writersDone.countDown();
                    }
                  } else {
                    readUntilWritersAreDone(store, writersDone, reads, readerViolations);
                  }
                });
      }
    }
    assertThat(reads.get()).as("reads through the store while writers ran").isPositive();
    Outcome outcome =
        new Outcome(
            result.failures(),
            result.unfinished(),
            watcher.violations() + readerViolations.get(),
            Invariant.read(db));
    System.out.printf(
        "%s %s: %s, %d deletions, %d store reads of which %d saw zero or two active%n",
        getClass().getSimpleName(),
        chain,
        outcome,
        deletions.get(),
        reads.get(),
        readerViolations.get());
    outcome.assertInvariantExpectedFor(chain);
    if (chain.safe()) {
      assertThat(deletions.get()).as("the writers really deleted providers").isPositive();
      assertThat(Invariant.read(db).providers()).isEqualTo(PROVIDERS);
    }
  }

  private static void deleteAndReAddTheActiveProvider(
      SettingsStore store, AtomicInteger deletions) {
    for (int cycle = 0; cycle < CYCLES_PER_WRITER; cycle++) {
      Optional<AiProvider> active = store.getActiveProvider();
      if (active.isEmpty()) {
        // Only the unguarded adapter gets here; the readers count it.
        continue;
      }
      AiProvider victim = active.get();
      if (store.deleteAiProvider(victim.id())) {
        deletions.incrementAndGet();
      }
      store.addAiProvider(victim.providerName(), victim.apiKey(), victim.model());
    }
  }

  /** Reader exceptions end the reader and are collected by the run as failures. */
  private static void readUntilWritersAreDone(
      SettingsStore store, CountDownLatch writersDone, AtomicLong reads, AtomicInteger violations) {
    while (writersDone.getCount() > 0) {
      if (store.getActiveProvider().isEmpty()) {
        violations.incrementAndGet();
      }
      List<AiProvider> providers = store.listAiProviders();
      long active = providers.stream().filter(AiProvider::active).count();
      if (providers.isEmpty() || active != 1) {
        violations.incrementAndGet();
      }
      reads.addAndGet(2);
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.RevisionConflictException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.BarrierRun;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.IncrementingProcess;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sixteen threads released by one barrier each add 5 to one counter, one read-then-write increment
 * at a time, and read again after a conflict. With compare-and-set the final count equals the
 * increments that succeeded, under every safe chain; the unguarded adapter checks the revision and
 * then writes in separate steps, so two writers pass the same check and one increment is lost. So
 * is one with a plain {@code setSetting}, even under the default chain: the negative control of the
 * mechanism itself.
 */
class CompareAndSetTest {

  private static final int THREADS = 16;
  private static final int INCREMENTS_PER_THREAD = 5;
  private static final Duration JOIN = Duration.ofSeconds(60);

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void replaceSettingCountsEveryIncrement(Backend backend, Chain chain, @TempDir Path dir)
      throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      store.setSetting("counter", "0");
      AtomicInteger increments = new AtomicInteger();
      BarrierRun.Result run =
          BarrierRun.run(
              THREADS,
              JOIN,
              i ->
                  incrementRepeatedly(
                      () -> {
                        Setting read = store.getSetting("counter").orElseThrow();
                        int next = Integer.parseInt(read.value()) + 1;
                        store.replaceSetting("counter", read.revision(), String.valueOf(next));
                        return next;
                      },
                      increments));
      int stored = Integer.parseInt(store.getSetting("counter").orElseThrow().value());
      assertCounted(backend, chain, run, stored, increments.get());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void updateAiProviderCountsEveryIncrement(Backend backend, Chain chain, @TempDir Path dir)
      throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      long id = store.addAiProvider("counted", null, "0").id();
      AtomicInteger increments = new AtomicInteger();
      BarrierRun.Result run =
          BarrierRun.run(
              THREADS,
              JOIN,
              i ->
                  incrementRepeatedly(
                      () -> {
                        AiProvider read = store.getAiProvider(id).orElseThrow();
                        int next = Integer.parseInt(read.model()) + 1;
                        store.updateAiProvider(
                            id, read.revision(), read.apiKey(), String.valueOf(next));
                        return next;
                      },
                      increments));
      int stored = Integer.parseInt(store.getAiProvider(id).orElseThrow().model());
      assertCounted(backend, chain, run, stored, increments.get());
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void plainSetSettingLosesIncrementsEvenUnderTheDefaultChain(Backend backend, @TempDir Path dir)
      throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.openWithSlowSteps(Chain.DEFAULT, db)) {
      store.setSetting("counter", "0");
      AtomicInteger increments = new AtomicInteger();
      BarrierRun.Result run =
          BarrierRun.run(
              THREADS,
              JOIN,
              i ->
                  incrementRepeatedly(
                      () -> {
                        int next =
                            Integer.parseInt(store.getSetting("counter").orElseThrow().value()) + 1;
                        store.setSetting("counter", String.valueOf(next));
                        return next;
                      },
                      increments));
      int stored = Integer.parseInt(store.getSetting("counter").orElseThrow().value());
      System.out.printf(
          "%s %s setSetting: %d increments, counter %d%n",
          getClass().getSimpleName(), backend, increments.get(), stored);
      assertThat(run.failures()).isEmpty();
      assertThat(stored).as("increments lost without compare-and-set").isLessThan(increments.get());
    }
  }

  /**
   * Two processes (machines, on PostgreSQL) of four threads each, incrementing a setting with
   * {@code replaceSetting} or a provider's model with {@code updateAiProvider}: {@code JVM_LOCK}
   * alone does not exclude the other process, yet its transaction takes the next revision before it
   * reads, which keeps the other writers out, so the check and the write stay together; the
   * unguarded adapter loses increments across processes too.
   */
  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("jvmLockAndNoneOnEveryBackend")
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void compareAndSetCountsEveryIncrementOfTwoProcesses(
      Backend backend, Chain chain, String counter, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      store.setSetting("counter", "0");
      store.addAiProvider("counter", null, "0");
    }
    List<ChildProcess> children = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        children.add(
            ChildProcess.start(
                IncrementingProcess.class, db.toArgument(), chain.name(), "4", "10", counter));
      }
      for (ChildProcess child : children) {
        child.awaitLine("READY", Duration.ofSeconds(60));
      }
      children.forEach(child -> child.send("GO"));
      int increments = 0;
      int failed = 0;
      for (ChildProcess child : children) {
        Matcher result =
            Pattern.compile("RESULT increments=(\\d+) failed=(\\d+)")
                .matcher(child.awaitLine("RESULT", Duration.ofSeconds(90)));
        assertThat(result.matches()).isTrue();
        increments += Integer.parseInt(result.group(1));
        failed += Integer.parseInt(result.group(2));
      }
      int stored =
          Integer.parseInt(
              counter.equals("provider")
                  ? StoredRows.providersNamed(db, "counter").get(0).model()
                  : StoredRows.settingValues(db, "counter").get(0));
      System.out.printf(
          "%s %s %s %s, two processes: %d increments, %d failed, counter %d%n",
          getClass().getSimpleName(), backend, chain, counter, increments, failed, stored);
      if (chain.safe()) {
        assertThat(failed).isZero();
        assertThat(stored).as("every increment counted").isEqualTo(increments).isEqualTo(80);
      } else {
        assertThat(stored).as("increments lost across processes").isLessThan(increments);
      }
    } finally {
      for (ChildProcess child : children) {
        child.close();
      }
    }
  }

  static Stream<Arguments> jvmLockAndNoneOnEveryBackend() {
    return Arrays.stream(Backend.values())
        .flatMap(
            backend ->
                Stream.of(Chain.JVM_LOCK, Chain.NONE)
                    .flatMap(
                        chain ->
                            Stream.of(
                                Arguments.of(backend, chain, "setting"),
                                Arguments.of(backend, chain, "provider"))));
  }

  /** Increments until {@link #INCREMENTS_PER_THREAD} succeeded, reading again after a conflict. */
  private static void incrementRepeatedly(IntSupplier increment, AtomicInteger increments) {
    int done = 0;
    while (done < INCREMENTS_PER_THREAD) {
      try {
        increment.getAsInt();
        increments.incrementAndGet();
        done++;
      } catch (RevisionConflictException conflict) {
        // Someone else incremented since the read: read again.
      }
    }
  }

  private void assertCounted(
      Backend backend, Chain chain, BarrierRun.Result run, int stored, int increments) {
    System.out.printf(
        "%s %s %s: %d increments, counter %d, failures %s%n",
        getClass().getSimpleName(), backend, chain, increments, stored, run.failures());
    assertThat(run.unfinished()).as("threads still running at the join deadline").isZero();
    if (chain.safe()) {
      assertThat(run.failures()).isEmpty();
      assertThat(stored).as("every increment counted").isEqualTo(increments);
    } else {
      assertThat(stored)
          .as("the unguarded adapter must lose increments under the same harness")
          .isLessThan(increments);
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Outcome;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import dev.settingsguard.tests.support.WatchedRounds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Twelve threads released by one barrier write the same setting key, round after round with a fresh
 * key, so that every round races on the key's first write. The unguarded adapter checks whether the
 * key exists and then inserts it, so its concurrent first writes collide on the primary key.
 */
class ConcurrentSetSettingTest {

  private static final int THREADS = 12;
  private static final int ROUNDS = 5;
  private static final Duration JOIN = Duration.ofSeconds(30);

  /** Long enough that a value mixed from two writes could not pass for one of them. */
  private static final int VALUE_LENGTH = 32 * 1024;

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void keepsOneWholeValueWhenTwelveThreadsSetTheSameKey(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    WatchedRounds rounds;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      store.addAiProvider("seed", null, null);
      rounds = WatchedRounds.start(db);
      try (rounds) {
        for (int round = 0; round < ROUNDS; round++) {
          String key = "shared.key." + round;
          List<String> written = distinctLongValues(round);
          rounds.run(THREADS, JOIN, i -> store.setSetting(key, written.get(i)));

          // Holds for every chain: SQLite writes one statement atomically and the primary key
          // allows one row, so even the unguarded adapter never tears a value or duplicates a key.
          List<String> stored = StoredRows.settingValues(db, key);
          assertThat(stored).as("rows for key %s", key).hasSize(1);
          assertThat(written)
              .as("the stored value is one writer's whole value")
              .contains(stored.get(0));
          assertThat(store.getSetting(key))
              .get()
              .extracting(s -> s.value())
              .isEqualTo(stored.get(0));
        }
      }
    }
    Outcome outcome = rounds.outcome();
    System.out.printf("%s %s: %s%n", getClass().getSimpleName() + " " + backend, chain, outcome);
    outcome.assertExpectedFor(chain);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void keepsAllKeysFromOneWriterWhenTwelveThreadsSetSeveralSettingsAtOnce(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    WatchedRounds rounds;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      rounds = WatchedRounds.start(db);
      try (rounds) {
        for (int round = 0; round < ROUNDS; round++) {
          List<String> keys = List.of("batch.a." + round, "batch.b." + round, "batch.c." + round);
          rounds.run(
              THREADS,
              JOIN,
              i -> {
                Map<String, String> entries = new LinkedHashMap<>();
                keys.forEach(key -> entries.put(key, "writer-" + i + "-" + key));
                store.setSettings(entries);
              });

          List<String> stored =
              keys.stream().flatMap(key -> StoredRows.settingValues(db, key).stream()).toList();
          assertThat(stored).as("one row per key").hasSize(keys.size());
          String writer =
              stored.get(0).substring(0, stored.get(0).indexOf('-', "writer-".length()));
          assertThat(stored)
              .as("every key of the batch comes from the same writer")
              .allSatisfy(value -> assertThat(value).startsWith(writer + "-"));
        }
      }
    }
    Outcome outcome = rounds.outcome();
    System.out.printf(
        "%s %s (batch): %s%n", getClass().getSimpleName() + " " + backend, chain, outcome);
    // A batch is one transaction of the adapter's own, which begins by taking the next revision,
    // a write: even unguarded, batches wait for each other, whole. NONE's negative control for this
    // class is the single-key test above.
    assertThat(outcome.unfinished()).as("threads still running at the join deadline").isZero();
    assertThat(outcome.failures()).as("failed batches under %s", chain).isEmpty();
  }

  private static List<String> distinctLongValues(int round) {
    return IntStream.range(0, THREADS)
        .mapToObj(i -> ("round " + round + " writer " + i + " ").repeat(VALUE_LENGTH / 20))
        .toList();
  }
}

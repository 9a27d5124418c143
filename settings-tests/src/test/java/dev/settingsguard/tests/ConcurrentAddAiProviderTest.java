package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Outcome;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.StoredRows.ProviderRow;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import dev.settingsguard.tests.support.WatchedRounds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Twelve threads released by one barrier add providers, round after round. The unguarded adapter
 * deactivates all providers, looks the name up, then inserts or updates it active: between those
 * steps readers see zero active providers, and two inserts of one name collide.
 */
class ConcurrentAddAiProviderTest {

  private static final int THREADS = 12;
  private static final int ROUNDS = 4;
  private static final Duration JOIN = Duration.ofSeconds(30);

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void keepsOneRowPerNameAndExactlyOneActiveWhenTwelveThreadsAddDistinctProviders(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    WatchedRounds rounds;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      rounds = WatchedRounds.start(db);
      try (rounds) {
        for (int round = 0; round < ROUNDS; round++) {
          int r = round;
          rounds.run(
              THREADS,
              JOIN,
              i -> {
                String name = "provider-" + r + "-" + i;
                AiProvider added = store.addAiProvider(name, ApiKey.of("sk-" + name), "m-" + i);
                assertThat(added.providerName()).isEqualTo(name);
                assertThat(added.active()).as("the added provider is returned active").isTrue();
              });
        }
      }
    }
    List<ProviderRow> rows = StoredRows.providers(db);
    List<String> names = rows.stream().map(ProviderRow::name).toList();
    assertThat(names).as("names are unique").doesNotHaveDuplicates();
    if (chain.safe()) {
      assertThat(rows).as("one row per added name").hasSize(THREADS * ROUNDS);
      assertThat(rows).filteredOn(ProviderRow::active).hasSize(1);
    }
    Outcome outcome = rounds.outcome();
    System.out.printf(
        "%s %s (distinct): %s%n", getClass().getSimpleName() + " " + backend, chain, outcome);
    outcome.assertInvariantExpectedFor(chain);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void keepsOneRowAndExactlyOneActiveWhenTwelveThreadsAddTheSameName(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    WatchedRounds rounds;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      // Another provider, active at first, so that each add has something to deactivate.
      store.addAiProvider("bystander", null, null);
      rounds = WatchedRounds.start(db);
      try (rounds) {
        for (int round = 0; round < ROUNDS; round++) {
          String name = "shared-" + round;
          rounds.run(
              THREADS,
              JOIN,
              i -> {
                AiProvider added =
                    store.addAiProvider(name, ApiKey.of("sk-writer-" + i), "model-" + i);
                assertThat(added.providerName()).isEqualTo(name);
                assertThat(added.active()).as("the added provider is returned active").isTrue();
              });

          // Holds for every chain: the UNIQUE constraint allows one row per name, and one
          // statement writes key and model together.
          List<ProviderRow> named = StoredRows.providersNamed(db, name);
          assertThat(named).as("rows named %s", name).hasSize(1);
          ProviderRow row = named.get(0);
          String writer = row.model().substring("model-".length());
          assertThat(row.apiKey())
              .as("key and model from the same add")
              .isEqualTo("sk-writer-" + writer);
          if (chain.safe()) {
            assertThat(row.active()).as("the last add of %s left it active", name).isTrue();
          }
        }
      }
    }
    Outcome outcome = rounds.outcome();
    System.out.printf(
        "%s %s (same name): %s%n", getClass().getSimpleName() + " " + backend, chain, outcome);
    outcome.assertInvariantExpectedFor(chain);
  }
}

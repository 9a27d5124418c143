package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Outcome;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import dev.settingsguard.tests.support.WatchedRounds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Twelve threads released by one barrier each activate a different provider, round after round. The
 * unguarded adapter checks the id, deactivates all, then activates one: readers see zero active
 * providers in between, and two activations collide on the single-active index.
 */
class ConcurrentSetActiveProviderTest {

  private static final int THREADS = 12;
  private static final int ROUNDS = 6;
  private static final Duration JOIN = Duration.ofSeconds(30);

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void keepsExactlyOneActiveProviderWhenTwelveThreadsActivateDifferentProviders(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    WatchedRounds rounds;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        ids.add(store.addAiProvider("provider-" + i, null, "model-" + i).id());
      }
      rounds = WatchedRounds.start(db);
      try (rounds) {
        for (int round = 0; round < ROUNDS; round++) {
          int shift = round;
          rounds.run(
              THREADS,
              JOIN,
              i -> {
                long id = ids.get((i + shift) % THREADS);
                AiProvider activated = store.setActiveProvider(id);
                assertThat(activated.id()).isEqualTo(id);
                assertThat(activated.active()).as("returned active").isTrue();
              });
          if (chain.safe()) {
            assertThat(store.getActiveProvider()).as("active after round %d", round).isPresent();
            assertThat(store.listAiProviders()).hasSize(THREADS);
          }
        }
      }
    }
    Outcome outcome = rounds.outcome();
    System.out.printf("%s %s %s: %s%n", getClass().getSimpleName(), backend, chain, outcome);
    outcome.assertInvariantExpectedFor(chain);
    if (chain.safe()) {
      assertThat(rounds.reads()).as("the watcher really read while writers ran").isPositive();
    }
  }
}

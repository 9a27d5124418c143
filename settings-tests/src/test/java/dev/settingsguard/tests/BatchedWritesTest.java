package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Outcome;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import dev.settingsguard.tests.support.WatchedRounds;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Writers queued on the JVM lock or the file lock's in-JVM lock run as one batch under one commit,
 * each in a savepoint. One write of a batch failing half-way must undo only its own steps: here
 * half the threads add a provider that a trigger refuses after {@code addAiProvider} has already
 * deactivated every provider. If a failed write's steps stayed in the batch's commit, readers would
 * see zero active providers.
 */
class BatchedWritesTest {

  private static final int THREADS = 12;
  private static final int ROUNDS = 6;
  private static final Duration JOIN = Duration.ofSeconds(30);

  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"JVM_LOCK", "FILE_LOCK", "DEFAULT", "ALL"})
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void aWriteThatFailsHalfWayUndoesOnlyItsOwnStepsInABatch(Chain chain, @TempDir Path dir)
      throws Exception {
    Path db = dir.resolve("settings.db");
    WatchedRounds rounds;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      store.addAiProvider("first", null, "model");
      refuseProvidersNamedPoison(db);
      rounds = WatchedRounds.start(TestDatabase.sqlite(db));
      try (rounds) {
        for (int round = 0; round < ROUNDS; round++) {
          int current = round;
          rounds.run(
              THREADS,
              JOIN,
              i -> {
                if (i % 2 == 0) {
                  assertThatThrownBy(() -> store.addAiProvider("poison-" + i, null, "model"))
                      .isInstanceOf(SettingsStorageException.class)
                      .hasMessageContaining("refused");
                } else {
                  store.addAiProvider("provider-" + i, null, "model-" + current);
                  store.setSetting("written-by-" + i, "round-" + current);
                }
              });
        }
      }
      assertThat(store.listAiProviders()).hasSize(1 + THREADS / 2);
      for (int i = 1; i < THREADS; i += 2) {
        assertThat(store.getSetting("written-by-" + i)).as("setting of thread %d", i).isPresent();
      }
    }
    Outcome outcome = rounds.outcome();
    System.out.printf("%s %s: %s%n", getClass().getSimpleName(), chain, outcome);
    outcome.assertExpectedFor(chain);
    assertThat(rounds.reads()).as("the watcher really read while writers ran").isPositive();
  }

  private static void refuseProvidersNamedPoison(Path db) throws SQLException {
    try (var connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        var statement = connection.createStatement()) {
      statement.execute(
          "CREATE TRIGGER refuse_poison BEFORE INSERT ON ai_providers"
              + " WHEN NEW.provider_name LIKE 'poison-%'"
              + " BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END");
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Semantics of every provider operation, single-threaded, for every chain. */
@Timeout(30)
class AiProviderOperationsTest {

  @TempDir Path dir;

  private TestDatabase database;

  /** One database per test, created on first use for the backend the test runs on. */
  private TestDatabase db(Backend backend) {
    if (database == null) {
      database = backend.newDatabase(dir);
    }
    return database;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void addingAProviderReturnsTheStoredActiveRow(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider added = store.addAiProvider("openai", ApiKey.of("sk-test-0123456789"), "gpt-4o");

      assertThat(added.id()).isPositive();
      assertThat(added.providerName()).isEqualTo("openai");
      assertThat(added.apiKey().reveal()).isEqualTo("sk-test-0123456789");
      assertThat(added.model()).isEqualTo("gpt-4o");
      assertThat(added.active()).isTrue();
      assertThat(store.getAiProvider(added.id())).contains(added);
      assertThat(store.getActiveProvider()).contains(added);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void addingASecondProviderMakesItTheOnlyActiveOne(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider first = store.addAiProvider("openai", null, null);
      AiProvider second = store.addAiProvider("ollama", null, "llama3");

      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(second.id());
      assertThat(store.getAiProvider(first.id())).map(AiProvider::active).contains(false);
      assertThat(Invariant.read(db(backend))).isEqualTo(new Invariant.Counts(2, 1));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void addingAnExistingNameUpdatesThatRowAndActivatesIt(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider original = store.addAiProvider("openai", ApiKey.of("old-key-000000"), "gpt-3");
      store.addAiProvider("ollama", null, null);

      AiProvider updated = store.addAiProvider("openai", ApiKey.of("new-key-111111"), "gpt-4o");

      assertThat(updated.id()).isEqualTo(original.id());
      assertThat(updated.apiKey().reveal()).isEqualTo("new-key-111111");
      assertThat(updated.model()).isEqualTo("gpt-4o");
      assertThat(updated.active()).isTrue();
      assertThat(updated.updatedAt()).isAfter(original.updatedAt());
      assertThat(store.listAiProviders()).hasSize(2);
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(original.id());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void addingWithoutKeyOrModelStoresNulls(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider local = store.addAiProvider("local", null, null);

      assertThat(local.apiKey()).isNull();
      assertThat(local.model()).isNull();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void settingTheActiveProviderDeactivatesTheOthers(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider a = store.addAiProvider("a", null, null);
      store.addAiProvider("b", null, null);

      AiProvider activated = store.setActiveProvider(a.id());

      assertThat(activated.id()).isEqualTo(a.id());
      assertThat(activated.active()).isTrue();
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(a.id());
      assertThat(Invariant.read(db(backend))).isEqualTo(new Invariant.Counts(2, 1));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void settingAnUnknownProviderActiveThrowsAndChangesNothing(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      store.addAiProvider("a", null, null);
      AiProvider b = store.addAiProvider("b", null, null);
      List<AiProvider> before = store.listAiProviders();

      assertThatThrownBy(() -> store.setActiveProvider(999))
          .isInstanceOfSatisfying(
              ProviderNotFoundException.class, notFound -> assertThat(notFound.id()).isEqualTo(999))
          .hasMessageContaining("999");

      assertThat(store.listAiProviders()).isEqualTo(before);
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(b.id());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void deletingTheActiveProviderPromotesTheMostRecentlyUpdatedRemainingOne(
      Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider a = store.addAiProvider("a", null, null);
      AiProvider b = store.addAiProvider("b", null, null);
      store.addAiProvider("c", null, null);
      AiProvider updated = store.addAiProvider("a", null, "updated"); // now the most recent
      AiProvider active = store.setActiveProvider(b.id());

      assertThat(store.deleteAiProvider(active.id())).isTrue();

      AiProvider promoted = store.getActiveProvider().orElseThrow();
      assertThat(promoted.id()).isEqualTo(a.id());
      assertThat(promoted.updatedAt()).isAfter(updated.updatedAt()); // activating updates it
      assertThat(Invariant.read(db(backend))).isEqualTo(new Invariant.Counts(2, 1));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void promotionBreaksUpdatedAtTiesByHighestId(Backend backend, Chain chain) {
    TestDatabase db = db(backend);
    try (SettingsStore store = TestStores.open(chain, db)) {
      AiProvider a = store.addAiProvider("a", null, null);
      AiProvider b = store.addAiProvider("b", null, null);
      AiProvider c = store.addAiProvider("c", null, null);
      // Give a and b the same timestamp directly, as another client could.
      setUpdatedAt(db, 1_000, a.id(), b.id());

      store.deleteAiProvider(c.id());

      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(b.id());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void deletingAnInactiveProviderLeavesTheActiveOne(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider a = store.addAiProvider("a", null, null);
      AiProvider b = store.addAiProvider("b", null, null);

      assertThat(store.deleteAiProvider(a.id())).isTrue();

      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(b.id());
      assertThat(store.listAiProviders()).extracting(AiProvider::id).containsExactly(b.id());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void deletingTheLastProviderLeavesNoneActive(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider only = store.addAiProvider("only", null, null);

      assertThat(store.deleteAiProvider(only.id())).isTrue();

      assertThat(store.getActiveProvider()).isEmpty();
      assertThat(Invariant.read(db(backend))).isEqualTo(new Invariant.Counts(0, 0));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void deletingAnUnknownProviderReturnsFalse(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      store.addAiProvider("a", null, null);

      assertThat(store.deleteAiProvider(42)).isFalse();
      assertThat(store.listAiProviders()).hasSize(1);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void anEmptyStoreHasNoActiveProvider(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      assertThat(store.getActiveProvider()).isEmpty();
      assertThat(store.getAiProvider(1)).isEmpty();
      assertThat(store.listAiProviders()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void listsProvidersOrderedById(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db(backend))) {
      AiProvider z = store.addAiProvider("z", null, null);
      AiProvider y = store.addAiProvider("y", null, null);
      AiProvider x = store.addAiProvider("x", null, null);

      assertThat(store.listAiProviders())
          .extracting(AiProvider::id)
          .containsExactly(z.id(), y.id(), x.id());
    }
  }

  private static void setUpdatedAt(TestDatabase db, long micros, long... ids) {
    try (var connection = db.connect();
        var statement =
            connection.prepareStatement("UPDATE ai_providers SET updated_at = ? WHERE id = ?")) {
      for (long id : ids) {
        statement.setLong(1, micros);
        statement.setLong(2, id);
        statement.executeUpdate();
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

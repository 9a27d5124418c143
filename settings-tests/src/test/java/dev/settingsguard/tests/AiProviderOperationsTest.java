package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Semantics of every provider operation, single-threaded, for every chain. */
@Timeout(30)
class AiProviderOperationsTest {

  @TempDir Path dir;

  private Path db() {
    return dir.resolve("s.db");
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void addingAProviderReturnsTheStoredActiveRow(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
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

  @ParameterizedTest
  @EnumSource(Chain.class)
  void addingASecondProviderMakesItTheOnlyActiveOne(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      AiProvider first = store.addAiProvider("openai", null, null);
      AiProvider second = store.addAiProvider("ollama", null, "llama3");

      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(second.id());
      assertThat(store.getAiProvider(first.id())).map(AiProvider::active).contains(false);
      assertThat(Invariant.read(db())).isEqualTo(new Invariant.Counts(2, 1));
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void addingAnExistingNameUpdatesThatRowAndActivatesIt(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
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

  @ParameterizedTest
  @EnumSource(Chain.class)
  void addingWithoutKeyOrModelStoresNulls(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      AiProvider local = store.addAiProvider("local", null, null);

      assertThat(local.apiKey()).isNull();
      assertThat(local.model()).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void settingTheActiveProviderDeactivatesTheOthers(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      AiProvider a = store.addAiProvider("a", null, null);
      store.addAiProvider("b", null, null);

      AiProvider activated = store.setActiveProvider(a.id());

      assertThat(activated.id()).isEqualTo(a.id());
      assertThat(activated.active()).isTrue();
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(a.id());
      assertThat(Invariant.read(db())).isEqualTo(new Invariant.Counts(2, 1));
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void settingAnUnknownProviderActiveThrowsAndChangesNothing(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
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

  @ParameterizedTest
  @EnumSource(Chain.class)
  void deletingTheActiveProviderPromotesTheMostRecentlyUpdatedRemainingOne(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      AiProvider a = store.addAiProvider("a", null, null);
      AiProvider b = store.addAiProvider("b", null, null);
      store.addAiProvider("c", null, null);
      AiProvider updated = store.addAiProvider("a", null, "updated"); // now the most recent
      AiProvider active = store.setActiveProvider(b.id());

      assertThat(store.deleteAiProvider(active.id())).isTrue();

      AiProvider promoted = store.getActiveProvider().orElseThrow();
      assertThat(promoted.id()).isEqualTo(a.id());
      assertThat(promoted.updatedAt()).isAfter(updated.updatedAt()); // activating updates it
      assertThat(Invariant.read(db())).isEqualTo(new Invariant.Counts(2, 1));
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void promotionBreaksUpdatedAtTiesByHighestId(Chain chain) {
    Path db = db();
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

  @ParameterizedTest
  @EnumSource(Chain.class)
  void deletingAnInactiveProviderLeavesTheActiveOne(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      AiProvider a = store.addAiProvider("a", null, null);
      AiProvider b = store.addAiProvider("b", null, null);

      assertThat(store.deleteAiProvider(a.id())).isTrue();

      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(b.id());
      assertThat(store.listAiProviders()).extracting(AiProvider::id).containsExactly(b.id());
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void deletingTheLastProviderLeavesNoneActive(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      AiProvider only = store.addAiProvider("only", null, null);

      assertThat(store.deleteAiProvider(only.id())).isTrue();

      assertThat(store.getActiveProvider()).isEmpty();
      assertThat(Invariant.read(db())).isEqualTo(new Invariant.Counts(0, 0));
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void deletingAnUnknownProviderReturnsFalse(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      store.addAiProvider("a", null, null);

      assertThat(store.deleteAiProvider(42)).isFalse();
      assertThat(store.listAiProviders()).hasSize(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void anEmptyStoreHasNoActiveProvider(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      assertThat(store.getActiveProvider()).isEmpty();
      assertThat(store.getAiProvider(1)).isEmpty();
      assertThat(store.listAiProviders()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Chain.class)
  void listsProvidersOrderedById(Chain chain) {
    try (SettingsStore store = TestStores.open(chain, db())) {
      AiProvider z = store.addAiProvider("z", null, null);
      AiProvider y = store.addAiProvider("y", null, null);
      AiProvider x = store.addAiProvider("x", null, null);

      assertThat(store.listAiProviders())
          .extracting(AiProvider::id)
          .containsExactly(z.id(), y.id(), x.id());
    }
  }

  private static void setUpdatedAt(Path db, long micros, long... ids) {
    try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
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

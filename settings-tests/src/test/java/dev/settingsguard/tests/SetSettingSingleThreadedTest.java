package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The single-threaded baseline of {@code setSetting}, for every chain. */
@Timeout(30)
class SetSettingSingleThreadedTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void insertsANewKey(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, backend.newDatabase(dir))) {
      store.setSetting("theme", "dark");

      assertThat(store.getSetting("theme")).map(Setting::value).contains("dark");
      assertThat(store.listSettings()).extracting(Setting::key).containsExactly("theme");
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void overwritesAnExistingKeyInPlace(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, backend.newDatabase(dir))) {
      store.setSetting("theme", "dark");
      store.setSetting("theme", "light");

      assertThat(store.getSetting("theme")).map(Setting::value).contains("light");
      assertThat(store.listSettings()).hasSize(1);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void storesEmptyAndNullValuesAsGiven(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, backend.newDatabase(dir))) {
      store.setSetting("empty", "");
      store.setSetting("nothing", null);

      assertThat(store.getSetting("empty")).map(Setting::value).contains("");
      Optional<Setting> nothing = store.getSetting("nothing");
      assertThat(nothing).as("a null value is stored, not absent").isPresent();
      assertThat(nothing.get().value()).isNull();
      assertThat(store.getSetting("never-set")).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void movesUpdatedAtForwardOnEveryWrite(Backend backend, Chain chain) {
    try (SettingsStore store = TestStores.open(chain, backend.newDatabase(dir))) {
      store.setSetting("k", "1");
      Setting first = store.getSetting("k").orElseThrow();
      store.setSetting("k", "2");
      Setting second = store.getSetting("k").orElseThrow();
      store.setSetting("k", "2");
      Setting third = store.getSetting("k").orElseThrow();

      assertThat(second.updatedAt()).isAfter(first.updatedAt());
      assertThat(third.updatedAt())
          .as("even when the value is unchanged")
          .isAfter(second.updatedAt());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  void keepsValuesAcrossReopening(Backend backend, Chain chain) {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.open(chain, db)) {
      store.setSetting("k", "v");
    }
    try (SettingsStore store = TestStores.open(chain, db)) {
      assertThat(store.getSetting("k")).map(Setting::value).contains("v");
    }
  }
}

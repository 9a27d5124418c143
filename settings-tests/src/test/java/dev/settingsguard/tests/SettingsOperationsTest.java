package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.settingsguard.core.InvalidInputException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Semantics of the settings operations beyond the single {@code setSetting}. */
@Timeout(30)
class SettingsOperationsTest {

  @TempDir Path dir;
  private SettingsStore store;

  @BeforeEach
  void open() {
    store = TestStores.open(Chain.DEFAULT, dir.resolve("s.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void setSettingsWritesEveryEntry() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("a", "1");
    entries.put("b", null);
    entries.put("c", "");

    store.setSettings(entries);

    assertThat(store.listSettings())
        .extracting(Setting::key, Setting::value)
        .containsExactly(tuple("a", "1"), tuple("b", null), tuple("c", ""));
  }

  @Test
  void setSettingsWritesNothingWhenOneEntryIsInvalid() {
    store.setSetting("a", "old");
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("a", "new");
    entries.put(" ", "blank key");

    assertThatThrownBy(() -> store.setSettings(entries))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("key");

    assertThat(store.listSettings())
        .extracting(Setting::key, Setting::value)
        .containsExactly(tuple("a", "old"));
  }

  @Test
  void setSettingsRejectsANullMap() {
    assertThatThrownBy(() -> store.setSettings(null)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void listsSettingsOrderedByKey() {
    store.setSetting("b", "2");
    store.setSetting("c", "3");
    store.setSetting("a", "1");

    assertThat(store.listSettings()).extracting(Setting::key).containsExactly("a", "b", "c");
  }

  @Test
  void deleteSettingReportsWhetherARowWasRemoved() {
    store.setSetting("k", "v");

    assertThat(store.deleteSetting("k")).isTrue();
    assertThat(store.deleteSetting("k")).isFalse();
    assertThat(store.getSetting("k")).isEmpty();
  }

  @Test
  void deletingANullValuedSettingMakesItAbsent() {
    store.setSetting("k", null);

    assertThat(store.deleteSetting("k")).isTrue();
    assertThat(store.getSetting("k")).isEmpty();
  }

  @Test
  void storesSqlLookingQuotedAndNonAsciiTextVerbatim() {
    Map<String, String> data = new HashMap<>();
    data.put("'; DROP TABLE settings; --", "Robert'); DROP TABLE ai_providers;--");
    data.put("emoji 🔑", "value 😀 with \"quotes\" and \\backslashes\\");
    data.put("ключ", "值 — ✓");
    data.put("%_ like wildcards", "%");

    data.forEach(store::setSetting);

    data.forEach(
        (key, value) -> assertThat(store.getSetting(key)).map(Setting::value).contains(value));
    assertThat(store.listSettings()).hasSize(data.size());
  }

  @Test
  void storesAValueOfExactlyOneMebibyte() {
    String big = "x".repeat(1024 * 1024);

    store.setSetting("big", big);

    assertThat(store.getSetting("big")).map(Setting::value).contains(big);
  }

  @Test
  void setSettingsOverwritesExistingKeys() {
    store.setSetting("a", "old");

    store.setSettings(Map.of("a", "new", "b", "added"));

    assertThat(store.listSettings())
        .extracting(Setting::key, Setting::value)
        .containsExactly(tuple("a", "new"), tuple("b", "added"));
  }
}

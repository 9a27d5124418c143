package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.InvalidInputException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One test per input rule: the bad input is refused with {@link InvalidInputException} naming the
 * field and the rule, and nothing in the store changed. Boundary values just inside each rule are
 * accepted, so a rule that is too strict fails too.
 */
@Timeout(30)
@ParameterizedClass(name = "{0}")
@EnumSource(Backend.class)
class InputRulesTest {

  @Parameter Backend backend;

  private static final String UNPAIRED_HIGH = "ab\uD83Dcd";
  private static final String UNPAIRED_LOW = "ab\uDE00cd";

  @TempDir Path dir;
  private SettingsStore store;
  private List<Setting> settingsBefore;
  private List<AiProvider> providersBefore;

  @BeforeEach
  void openWithExistingData() {
    store = TestStores.open(Chain.DEFAULT, backend.newDatabase(dir));
    store.setSetting("existing", "value");
    store.addAiProvider("existing", ApiKey.of("sk-existing-000000"), "m");
    settingsBefore = store.listSettings();
    providersBefore = store.listAiProviders();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void assertRefused(ThrowingCallable call, String field, String ruleFragment) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.rule()).contains(ruleFragment);
              assertThat(e.getMessage()).startsWith(field + " ").contains(ruleFragment);
            });
    assertThat(store.listSettings()).as("settings unchanged").isEqualTo(settingsBefore);
    assertThat(store.listAiProviders()).as("providers unchanged").isEqualTo(providersBefore);
  }

  /** SQLite stores U+0000 in a value as given; PostgreSQL's text cannot hold it and says so. */
  @Test
  void aNulCharacterIsStoredOnSqliteAndRefusedOnPostgres() {
    String withNul = "before\u0000after";
    if (backend == Backend.SQLITE) {
      store.setSetting("nul", withNul);
      assertThat(store.getSetting("nul")).map(Setting::value).contains(withNul);
      return;
    }
    assertRefused(() -> store.setSetting("nul", withNul), "value", "U+0000");
    assertRefused(() -> store.setSettings(Map.of("fine", "v", "nul", withNul)), "value", "U+0000");
    assertRefused(() -> store.addAiProvider("p", null, withNul), "model", "U+0000");
    assertRefused(
        () -> store.addAiProvider("p", ApiKey.of("sk-" + withNul), null), "apiKey", "U+0000");
  }

  @Test
  void settingKeyMustNotBeNull() {
    assertRefused(() -> store.setSetting(null, "v"), "key", "null");
  }

  @Test
  void settingKeyMustNotBeBlank() {
    assertRefused(() -> store.setSetting(" \t ", "v"), "key", "blank");
    assertRefused(() -> store.setSetting("", "v"), "key", "blank");
  }

  @Test
  void settingKeyIsAtMost256Characters() {
    assertRefused(() -> store.setSetting("k".repeat(257), "v"), "key", "at most 256");
    store.setSetting("k".repeat(256), "v");
    assertThat(store.getSetting("k".repeat(256))).isPresent();
  }

  @Test
  void settingKeyHasNoControlCharacters() {
    assertRefused(() -> store.setSetting("a\nb", "v"), "key", "control");
    assertRefused(() -> store.setSetting("a\u0000b", "v"), "key", "control");
    assertRefused(() -> store.setSetting("a\u007Fb", "v"), "key", "control");
  }

  @Test
  void settingKeyHasNoUnpairedSurrogates() {
    assertRefused(() -> store.setSetting(UNPAIRED_HIGH, "v"), "key", "surrogate");
    assertRefused(() -> store.setSetting(UNPAIRED_LOW, "v"), "key", "surrogate");
    assertRefused(() -> store.setSetting("ends\uD83D", "v"), "key", "surrogate");
  }

  @Test
  void settingValueIsAtMostOneMebibyte() {
    assertRefused(
        () -> store.setSetting("big", "x".repeat(1024 * 1024 + 1)), "value", "at most 1048576");
  }

  @Test
  void settingValueHasNoUnpairedSurrogates() {
    assertRefused(() -> store.setSetting("k", UNPAIRED_HIGH), "value", "surrogate");
  }

  @Test
  void settingValueMayContainControlCharacters() {
    store.setSetting("multi-line", "line 1\nline 2\ttabbed");
    assertThat(store.getSetting("multi-line"))
        .map(Setting::value)
        .contains("line 1\nline 2\ttabbed");
  }

  @Test
  void everySettingOfABatchIsCheckedBeforeAnyIsWritten() {
    assertRefused(() -> store.setSettings(Map.of("fine", "v", "bad\n", "v")), "key", "control");
  }

  @Test
  void readsAndDeletesCheckTheKeyToo() {
    assertRefused(() -> store.getSetting(null), "key", "null");
    assertRefused(() -> store.deleteSetting(" "), "key", "blank");
  }

  @Test
  void providerNameMustNotBeNull() {
    assertRefused(() -> store.addAiProvider(null, null, null), "providerName", "null");
  }

  @Test
  void providerNameMustNotBeBlank() {
    assertRefused(() -> store.addAiProvider("   ", null, null), "providerName", "blank");
  }

  @Test
  void providerNameIsAtMost100Characters() {
    assertRefused(
        () -> store.addAiProvider("p".repeat(101), null, null), "providerName", "at most 100");
    store.addAiProvider("p".repeat(100), null, null);
  }

  @Test
  void providerNameHasNoControlCharacters() {
    assertRefused(() -> store.addAiProvider("open\rai", null, null), "providerName", "control");
  }

  @Test
  void providerNameHasNoUnpairedSurrogates() {
    assertRefused(() -> store.addAiProvider(UNPAIRED_LOW, null, null), "providerName", "surrogate");
  }

  @Test
  void modelIsAtMost200Characters() {
    assertRefused(() -> store.addAiProvider("p", null, "m".repeat(201)), "model", "at most 200");
    store.addAiProvider("p", null, "m".repeat(200));
  }

  @Test
  void apiKeyIsAtMost4096Characters() {
    assertThatThrownBy(() -> ApiKey.of("k".repeat(4097)))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> {
              assertThat(e.field()).isEqualTo("apiKey");
              assertThat(e.rule()).contains("at most 4096");
            });
    store.addAiProvider("p", ApiKey.of("k".repeat(4096)), null);
  }

  @Test
  void apiKeyMustNotLookLikeAnEncryptedOne() {
    assertThatThrownBy(() -> ApiKey.of("sg-aead-v1:AQID"))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("apiKey"));
  }

  @Test
  void apiKeyMustNotBeNullWhenWrapped() {
    assertThatThrownBy(() -> ApiKey.of(null))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("apiKey"));
  }

  @Test
  void providerIdMustBePositive() {
    assertRefused(() -> store.setActiveProvider(0), "id", "positive");
    assertRefused(() -> store.deleteAiProvider(-1), "id", "positive");
    assertRefused(() -> store.getAiProvider(0), "id", "positive");
  }

  @Test
  void validUnicodeIsData() {
    AiProvider added = store.addAiProvider("模型 🚀 'x'; --", ApiKey.of("ключ-🔑-secret"), "é");

    assertThat(store.getAiProvider(added.id())).contains(added);
    assertThat(added.providerName()).isEqualTo("模型 🚀 'x'; --");
    assertThat(added.apiKey().reveal()).isEqualTo("ключ-🔑-secret");
  }
}

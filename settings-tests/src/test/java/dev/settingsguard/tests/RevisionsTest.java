package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.InvalidInputException;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.RevisionConflictException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Revisions and compare-and-set, one thread, on both backends: one revision per write operation
 * that changes something, stamped on the rows it wrote; a conflict or a failure changes nothing.
 */
@Timeout(60)
class RevisionsTest {

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void everyWriteOperationTakesTheNextRevisionAndStampsItOnItsRows(Backend backend) {
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, backend.newDatabase(dir))) {
      assertThat(store.currentRevision()).isZero();

      store.setSetting("a", "1");
      assertThat(store.currentRevision()).isEqualTo(1);
      assertThat(store.getSetting("a")).get().extracting(Setting::revision).isEqualTo(1L);

      store.setSettings(Map.of("b", "2", "c", "3"));
      assertThat(store.currentRevision()).as("a batch is one revision").isEqualTo(2);
      assertThat(store.listSettings())
          .extracting(Setting::key, Setting::revision)
          .containsExactly(tuple("a", 1L), tuple("b", 2L), tuple("c", 2L));

      AiProvider first = store.addAiProvider("first", ApiKey.of("sk-first-0123456789"), "m1");
      assertThat(first.revision()).isEqualTo(3);
      AiProvider second = store.addAiProvider("second", null, null);
      assertThat(second.revision()).isEqualTo(4);
      assertThat(store.getAiProvider(first.id()))
          .get()
          .as("deactivating a provider changes its row")
          .extracting(AiProvider::revision)
          .isEqualTo(4L);

      assertThat(store.setActiveProvider(first.id()).revision()).isEqualTo(5);
      assertThat(store.deleteSetting("b")).isTrue();
      assertThat(store.currentRevision()).isEqualTo(6);

      assertThatThrownBy(() -> store.setActiveProvider(9_999))
          .isInstanceOf(ProviderNotFoundException.class);
      assertThatThrownBy(() -> store.replaceSetting("a", 99, "x"))
          .isInstanceOf(RevisionConflictException.class);
      assertThat(store.currentRevision()).as("a failed operation takes no revision").isEqualTo(6);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void replaceSettingWritesOnlyOverTheExpectedRevision(Backend backend) {
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, backend.newDatabase(dir))) {
      Setting created = store.replaceSetting("k", 0, "v1");
      assertThat(created.value()).isEqualTo("v1");
      assertThat(created.revision()).isEqualTo(store.currentRevision());

      assertThatThrownBy(() -> store.replaceSetting("k", 0, "again"))
          .as("0 means only if absent")
          .isInstanceOfSatisfying(
              RevisionConflictException.class,
              conflict -> {
                assertThat(conflict.expectedRevision()).isZero();
                assertThat(conflict.actualRevision()).isEqualTo(created.revision());
              });

      Setting replaced = store.replaceSetting("k", created.revision(), "v2");
      assertThat(replaced.value()).isEqualTo("v2");
      assertThat(replaced.revision()).isGreaterThan(created.revision());

      long before = store.currentRevision();
      assertThatThrownBy(() -> store.replaceSetting("k", created.revision(), "stale"))
          .isInstanceOfSatisfying(
              RevisionConflictException.class,
              conflict -> {
                assertThat(conflict.expectedRevision()).isEqualTo(created.revision());
                assertThat(conflict.actualRevision()).isEqualTo(replaced.revision());
                assertThat(conflict.getMessage()).doesNotContain("stale", "v2");
              });
      assertThat(store.getSetting("k")).contains(replaced);
      assertThat(store.currentRevision()).as("a conflict changes nothing").isEqualTo(before);

      assertThatThrownBy(() -> store.replaceSetting("absent", 7, "v"))
          .isInstanceOfSatisfying(
              RevisionConflictException.class,
              conflict -> assertThat(conflict.actualRevision()).isZero());
      assertThat(store.getSetting("absent")).isEmpty();
      assertThatThrownBy(() -> store.replaceSetting("k", -1, "v"))
          .isInstanceOf(InvalidInputException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void updateAiProviderChangesKeyAndModelOnlyOverTheExpectedRevision(Backend backend) {
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, backend.newDatabase(dir))) {
      AiProvider inactive = store.addAiProvider("inactive", ApiKey.of("sk-old-key-0123456"), "m1");
      AiProvider active = store.addAiProvider("active", null, null);
      AiProvider read = store.getAiProvider(inactive.id()).orElseThrow();

      AiProvider updated =
          store.updateAiProvider(read.id(), read.revision(), ApiKey.of("sk-new-key-6543210"), "m2");
      assertThat(updated.apiKey().reveal()).isEqualTo("sk-new-key-6543210");
      assertThat(updated.model()).isEqualTo("m2");
      assertThat(updated.active()).as("which provider is active does not change").isFalse();
      assertThat(updated.revision()).isEqualTo(store.currentRevision());
      assertThat(store.getActiveProvider()).get().extracting(AiProvider::id).isEqualTo(active.id());

      assertThatThrownBy(() -> store.updateAiProvider(read.id(), read.revision(), null, "m3"))
          .isInstanceOfSatisfying(
              RevisionConflictException.class,
              conflict -> {
                assertThat(conflict.actualRevision()).isEqualTo(updated.revision());
                assertThat(conflict.getMessage()).doesNotContain("sk-new", "m2", "m3");
              });
      assertThat(store.getAiProvider(read.id())).contains(updated);

      assertThatThrownBy(() -> store.updateAiProvider(9_999, 1, null, null))
          .isInstanceOf(ProviderNotFoundException.class);
      assertThatThrownBy(() -> store.updateAiProvider(read.id(), -1, null, null))
          .isInstanceOf(InvalidInputException.class);
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Files that cannot serve as a settings database fail at start-up, naming the path. */
@Timeout(30)
class StorageErrorsTest {

  @TempDir Path dir;

  @Test
  void aFileThatIsNotASqliteDatabaseFailsAtStartUp() throws Exception {
    Path garbage = dir.resolve("garbage.db");
    byte[] bytes = new byte[4096];
    new Random(42).nextBytes(bytes);
    Files.write(garbage, bytes);

    assertThatThrownBy(() -> TestStores.open(Chain.DEFAULT, garbage))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining(garbage.toString())
        .hasMessageContaining("not a database");
    assertThat(Files.readAllBytes(garbage)).as("the file is left as it was").isEqualTo(bytes);
  }

  @Test
  void aPathInAMissingDirectoryFailsAtStartUp() {
    Path missing = dir.resolve("no-such-dir").resolve("s.db");

    assertThatThrownBy(() -> TestStores.open(Chain.DEFAULT, missing))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("directory does not exist");
    assertThat(missing.getParent()).doesNotExist();
  }

  @Test
  void aDirectoryFailsAtStartUp() throws Exception {
    Path directory = Files.createDirectory(dir.resolve("a-directory.db"));

    assertThatThrownBy(() -> TestStores.open(Chain.DEFAULT, directory))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining(directory.toString());
  }

  @Test
  void everyStrategyReportsAnUnopenablePathTheSameWay() {
    Path missing = dir.resolve("no-such-dir").resolve("s.db");
    for (Chain chain : Chain.values()) {
      if (!chain.supports(Backend.SQLITE)) {
        continue;
      }
      assertThatThrownBy(() -> TestStores.open(chain, missing))
          .as(chain.name())
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining(missing.toString());
    }
  }

  /**
   * An operation whose last step fails (here a foreign trigger refuses the insert, after
   * "deactivate all" already ran) is rolled back whole by every safe chain.
   */
  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"JVM_LOCK", "FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT", "ALL"})
  void aStepThatFailsRollsTheWholeOperationBack(Chain chain) throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(chain, db)) {
      AiProvider active = store.addAiProvider("a", null, null);
      refuseProviderInserts(db);

      assertThatThrownBy(() -> store.addAiProvider("b", null, null))
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("a trigger refused the statement")
          .hasMessageContaining(db.getFileName().toString());

      assertThat(store.listAiProviders()).containsExactly(active);
      assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(1, 1));
    }
  }

  /** The negative control of the test above: unguarded, the first step stays applied. */
  @Test
  void withoutAStrategyAFailedStepLeavesTheEarlierStepsApplied() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.NONE, db)) {
      store.addAiProvider("a", null, null);
      refuseProviderInserts(db);

      assertThatThrownBy(() -> store.addAiProvider("b", null, null))
          .isInstanceOf(SettingsStorageException.class);

      assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(1, 0));
    }
  }

  /** A foreign client makes every provider insert fail, as a full disk would. */
  private static void refuseProviderInserts(Path db) throws Exception {
    try (var connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        var statement = connection.createStatement()) {
      statement.execute(
          "CREATE TRIGGER refuse_insert BEFORE INSERT ON ai_providers"
              + " BEGIN SELECT RAISE(ABORT, 'disk full, say'); END");
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Database files that other programs made or changed: a second hard link, a newer or foreign
 * schema, a dropped index, zero active providers, rows that break this library's input rules. Each
 * is refused unchanged, repaired where the data allows it, or read as stored.
 */
@Timeout(30)
class ForeignDatabaseTest {

  @TempDir Path dir;

  @Test
  void refusesADatabaseFileWithASecondHardLink() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.open(Chain.DEFAULT, db).close();
    Path secondName = Files.createLink(dir.resolve("second-name.db"), db);

    for (Path name : List.of(db, secondName)) {
      assertThatThrownBy(() -> TestStores.open(Chain.DEFAULT, name))
          .as(name.toString())
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining(name.getFileName().toString())
          .hasMessageContaining("2 hard links");
    }
  }

  @Test
  void leavesAFileOfANewerVersionByteForByteAsItWas() throws Exception {
    Path db = dir.resolve("s.db");
    sql(db, "CREATE TABLE future (x INTEGER)", "PRAGMA user_version = 99");
    assertRefusedLeavingTheFileAsItWas(db, "99");
    assertThat(siblingsOf(db)).containsExactly("s.db");
  }

  @Test
  void leavesAWalFileOfANewerVersionAndItsWalAsTheyWere() throws Exception {
    Path db = dir.resolve("s.db");
    // A foreign writer leaves its commits in the WAL: it does not checkpoint when it closes.
    sqlite3(
        db,
        ".dbconfig no_ckpt_on_close on",
        "PRAGMA journal_mode = WAL;",
        "CREATE TABLE future (x INTEGER);",
        "PRAGMA user_version = 99;");
    Path wal = dir.resolve("s.db-wal");
    assertThat(Files.size(wal)).as("commits left in the WAL").isPositive();
    byte[] walBefore = Files.readAllBytes(wal);

    assertRefusedLeavingTheFileAsItWas(db, "99");

    assertThat(Files.readAllBytes(wal)).isEqualTo(walBefore);
  }

  @Test
  void refusesAnotherApplicationsDatabaseUnchanged() throws Exception {
    Path db = dir.resolve("s.db");
    sql(db, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    assertRefusedLeavingTheFileAsItWas(db, "table notes");
  }

  @Test
  void refusesAViewThatTakesATableNameOfTheLibrary() throws Exception {
    Path db = dir.resolve("s.db");
    sql(db, "CREATE VIEW settings AS SELECT 'k' AS key, 'v' AS value, 1 AS updated_at");
    assertRefusedLeavingTheFileAsItWas(db, "view settings");
  }

  @Test
  void refusesAForeignProvidersTableUnchanged() throws Exception {
    Path db = dir.resolve("s.db");
    sql(
        db,
        "CREATE TABLE ai_providers (id INTEGER PRIMARY KEY, provider_name TEXT NOT NULL UNIQUE,"
            + " api_key TEXT, model TEXT, is_active INTEGER NOT NULL)",
        "INSERT INTO ai_providers (provider_name, is_active) VALUES ('theirs', 1)");
    assertRefusedLeavingTheFileAsItWas(db, "ai_providers", "updated_at");
    assertThat(siblingsOf(db)).containsExactly("s.db");
  }

  @Test
  void restoresADroppedSingleActiveIndexAtOpen() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.seedProviders(db, 3);
    sql(db, "DROP INDEX ai_providers_single_active");

    TestStores.open(Chain.DEFAULT, db).close();

    assertThat(query(db, "SELECT name FROM sqlite_master WHERE type = 'index'"))
        .contains("ai_providers_single_active");
    assertThatThrownBy(() -> sql(db, "UPDATE ai_providers SET is_active = 1"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("UNIQUE");
  }

  @Test
  void refusesADroppedIndexWhenTwoProvidersAreActiveNamingThem() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.seedProviders(db, 3);
    sql(
        db,
        "DROP INDEX ai_providers_single_active",
        "UPDATE ai_providers SET is_active = 1 WHERE id IN (1, 3)");
    assertRefusedLeavingTheFileAsItWas(db, "ai_providers_single_active", "[1, 3]");
  }

  /** A cached store loads the file again after its own write, and then answers as uncached. */
  @ParameterizedTest(name = "cachedReads {0}")
  @ValueSource(booleans = {false, true})
  void aStoreThatFindsTwoActiveProvidersSaysSoWithATypedError(boolean cachedReads)
      throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.seedProviders(db, 2);
    try (SettingsStore store =
        SettingsStores.open(
            TestDatabase.sqlite(db).builder(Chain.DEFAULT).cachedReads(cachedReads).build())) {
      sql(db, "DROP INDEX ai_providers_single_active", "UPDATE ai_providers SET is_active = 1");
      store.setSetting("k", "v");

      assertThatThrownBy(store::getActiveProvider)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("2 active providers");
    }
  }

  @Test
  void makesTheMostRecentlyUpdatedProviderActiveWhenAFileHasNoneActive() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.seedProviders(db, 3);
    sql(
        db,
        "UPDATE ai_providers SET is_active = 0",
        "UPDATE ai_providers SET updated_at = updated_at + 60000000 WHERE id = 2");

    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(2L);
    }
    assertThat(Invariant.read(db).holds()).isTrue();
  }

  @Test
  void readsAndDeletesAProviderWhoseForeignKeyBreaksTheInputRules() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.seedProviders(db, 1);
    String oversized = "k".repeat(5025);
    sql(
        db,
        "UPDATE ai_providers SET is_active = 0",
        "INSERT INTO ai_providers (provider_name, api_key, model, is_active, created_at,"
            + " updated_at) VALUES ('foreign', '"
            + oversized
            + "', NULL, 1, 1, 1)");

    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      AiProvider foreign = store.getActiveProvider().orElseThrow();
      assertThat(foreign.apiKey().reveal()).hasSize(5025);
      assertThat(store.listAiProviders()).hasSize(2);

      assertThat(store.deleteAiProvider(foreign.id())).isTrue();
      assertThat(store.getActiveProvider()).map(AiProvider::providerName).contains("seeded-0");
    }
  }

  @Test
  void aWriteThatATriggerRolledBackCarriesNoRollbackComplaint() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      sql(
          db,
          "CREATE TRIGGER refuse BEFORE INSERT ON settings"
              + " BEGIN SELECT RAISE(ROLLBACK, 'no new settings'); END");

      Throwable failure = catchThrowable(() -> store.setSetting("k", "v"));

      assertThat(failure).isInstanceOf(SettingsStorageException.class);
      assertThat(failure.getSuppressed()).isEmpty();
      store.deleteSetting("k"); // the store goes on
    }
  }

  private static void sql(Path db, String... statements) throws SQLException {
    TestDatabase.sqlite(db).execute(statements);
  }

  /** Opening is refused with a message holding every fragment, and the file is as it was. */
  private static void assertRefusedLeavingTheFileAsItWas(Path db, String... messageFragments)
      throws Exception {
    byte[] before = Files.readAllBytes(db);

    Throwable refused = catchThrowable(() -> TestStores.open(Chain.DEFAULT, db));

    assertThat(refused).isInstanceOf(SettingsStorageException.class);
    assertThat(refused.getMessage()).contains(messageFragments);
    assertThat(Files.readAllBytes(db)).as("the file is left as it was").isEqualTo(before);
  }

  /** Runs the sqlite3 command-line shell: a foreign client that is not even a JVM. */
  private static void sqlite3(Path db, String... commands) throws Exception {
    List<String> command = new ArrayList<>(List.of("sqlite3", db.toString()));
    command.addAll(List.of(commands));
    Process shell = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(shell.getInputStream().readAllBytes());
    assertThat(shell.waitFor()).as("sqlite3: %s", output).isZero();
  }

  private static List<String> query(Path db, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }

  private static List<String> siblingsOf(Path db) throws Exception {
    try (Stream<Path> files = Files.list(db.getParent())) {
      return files.map(file -> file.getFileName().toString()).sorted().toList();
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schema is created once, versioned, and reopening never changes it. */
@Timeout(30)
class SchemaMigrationTest {

  @TempDir Path dir;

  /** The schema of version 1, as the library wrote it before revisions. */
  private static final String[] VERSION_1 = {
    "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT, updated_at INTEGER NOT NULL)",
    "CREATE TABLE ai_providers (id INTEGER PRIMARY KEY, provider_name TEXT NOT NULL UNIQUE,"
        + " api_key TEXT, model TEXT, is_active INTEGER NOT NULL CHECK (is_active IN (0, 1)),"
        + " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)",
    "CREATE UNIQUE INDEX ai_providers_single_active ON ai_providers (is_active)"
        + " WHERE is_active = 1",
    "INSERT INTO settings VALUES ('theme', 'dark', 1000), ('empty', NULL, 1001)",
    "INSERT INTO ai_providers VALUES (1, 'one', 'sk-one-0123456789', 'm1', 0, 1, 2),"
        + " (2, 'two', NULL, NULL, 1, 3, 4)"
  };

  @Test
  void aNewFileGetsTheCurrentSchemaInWalMode() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.open(Chain.DEFAULT, db).close();

    assertThat(pragma(db, "user_version")).isEqualTo("2");
    assertThat(pragma(db, "journal_mode")).isEqualTo("wal");
    assertThat(schemaObjects(db))
        .contains(
            "table settings",
            "table ai_providers",
            "index ai_providers_single_active",
            "table settings_revision",
            "table settings_changes");
  }

  @Test
  void reopeningIsIdempotent() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      store.setSetting("k", "v");
      store.addAiProvider("p", null, null);
    }
    List<String> schemaAfterFirstOpen = schemaSql(db);

    for (int i = 0; i < 3; i++) {
      TestStores.open(Chain.DEFAULT, db).close();
    }

    assertThat(schemaSql(db)).isEqualTo(schemaAfterFirstOpen);
    assertThat(pragma(db, "user_version")).isEqualTo("2");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      assertThat(store.listSettings()).hasSize(1);
      assertThat(store.listAiProviders()).hasSize(1);
      assertThat(store.currentRevision()).isEqualTo(2);
    }
  }

  /**
   * A file of version 1, and one with its tables but no version, migrate in place: every row kept
   * as it was, at revision 1, and the next write takes revision 2.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 0})
  void aFileOfVersionOneMigratesInPlaceKeepingEveryRow(int version) throws Exception {
    Path db = dir.resolve("s.db");
    for (String statement : VERSION_1) {
      execute(db, statement);
    }
    execute(db, "PRAGMA user_version = " + version);

    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      assertThat(store.listSettings())
          .extracting(Setting::key, Setting::value, Setting::revision)
          .containsExactly(tuple("empty", null, 1L), tuple("theme", "dark", 1L));
      assertThat(store.listAiProviders())
          .extracting(
              AiProvider::id, AiProvider::providerName, AiProvider::active, AiProvider::revision)
          .containsExactly(tuple(1L, "one", false, 1L), tuple(2L, "two", true, 1L));
      assertThat(store.getAiProvider(1).orElseThrow().apiKey().reveal())
          .isEqualTo("sk-one-0123456789");
      assertThat(store.currentRevision()).isEqualTo(1);

      assertThat(store.setActiveProvider(1).revision()).isEqualTo(2);
    }
    assertThat(pragma(db, "user_version")).isEqualTo("2");
  }

  @Test
  void aFileFromANewerVersionIsRefused() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.open(Chain.DEFAULT, db).close();
    execute(db, "PRAGMA user_version = 99");

    assertThatThrownBy(() -> TestStores.open(Chain.DEFAULT, db))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("99")
        .hasMessageContaining(db.getFileName().toString());
    assertThat(pragma(db, "user_version")).isEqualTo("99");
  }

  @Test
  void aMigrationThatCannotGetTheWriteLockInTimeIsRefusedAsBusy() throws Exception {
    Path db = dir.resolve("s.db");
    Duration timeout = Duration.ofMillis(300);
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement holder = other.createStatement()) {
      holder.execute("PRAGMA journal_mode = WAL");
      holder.execute("BEGIN IMMEDIATE"); // another writer holds the lock; no schema yet

      assertThatThrownBy(() -> SettingsStores.open(Chain.DEFAULT.config(db, timeout)))
          .isInstanceOfSatisfying(
              SettingsBusyException.class,
              busy -> assertThat(busy.waited()).isGreaterThanOrEqualTo(timeout))
          .hasMessageContaining(db.getFileName().toString());
      holder.execute("ROLLBACK");
    }
    assertThat(pragma(db, "user_version")).isEqualTo("0");
  }

  private static String pragma(Path db, String name) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static List<String> schemaObjects(Path db) throws Exception {
    return query(db, "SELECT type || ' ' || name FROM sqlite_master ORDER BY name");
  }

  private static List<String> schemaSql(Path db) throws Exception {
    return query(db, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name");
  }

  private static List<String> query(Path db, String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private static void execute(Path db, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}

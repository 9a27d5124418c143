package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** The schema is created once, versioned, and reopening never changes it. */
@Timeout(30)
class SchemaMigrationTest {

  @TempDir Path dir;

  @Test
  void aNewFileGetsTheSchemaAtVersionOneInWalMode() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.open(Chain.DEFAULT, db).close();

    assertThat(pragma(db, "user_version")).isEqualTo("1");
    assertThat(pragma(db, "journal_mode")).isEqualTo("wal");
    assertThat(schemaObjects(db))
        .contains("table settings", "table ai_providers", "index ai_providers_single_active");
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
    assertThat(pragma(db, "user_version")).isEqualTo("1");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      assertThat(store.listSettings()).hasSize(1);
      assertThat(store.listAiProviders()).hasSize(1);
    }
  }

  @Test
  void aFileWithTheTablesButNoVersionIsAdoptedWithoutLoss() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.open(Chain.DEFAULT, db).close();
    execute(db, "INSERT INTO settings (key, value, updated_at) VALUES ('kept', 'yes', 1)");
    execute(db, "PRAGMA user_version = 0");

    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      assertThat(store.getSetting("kept")).isPresent();
    }
    assertThat(pragma(db, "user_version")).isEqualTo("1");
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

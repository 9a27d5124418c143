package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The schema itself refuses a second active provider and a bad flag, from any client. */
@Timeout(30)
class DatabaseConstraintsTest {

  @TempDir Path dir;

  @Test
  void aForeignClientCannotActivateASecondProvider() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      store.addAiProvider("a", null, null);
      store.addAiProvider("b", null, null);
    }

    try (Connection foreign = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = foreign.createStatement()) {
      assertThatThrownBy(() -> statement.executeUpdate("UPDATE ai_providers SET is_active = 1"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("UNIQUE");
      assertThatThrownBy(
              () ->
                  statement.executeUpdate(
                      "INSERT INTO ai_providers (provider_name, is_active, created_at, updated_at)"
                          + " VALUES ('c', 1, 0, 0)"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("UNIQUE");
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));
  }

  @Test
  void theActiveFlagIsZeroOrOne() throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.open(Chain.DEFAULT, db).close();

    try (Connection foreign = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = foreign.createStatement()) {
      assertThatThrownBy(
              () ->
                  statement.executeUpdate(
                      "INSERT INTO ai_providers (provider_name, is_active, created_at, updated_at)"
                          + " VALUES ('c', 2, 0, 0)"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("CHECK");
    }
  }

  @Test
  void providerNamesAreUnique() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      store.addAiProvider("a", null, null);
    }

    try (Connection foreign = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = foreign.createStatement()) {
      assertThatThrownBy(
              () ->
                  statement.executeUpdate(
                      "INSERT INTO ai_providers (provider_name, is_active, created_at, updated_at)"
                          + " VALUES ('a', 0, 0, 0)"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("UNIQUE");
    }
  }
}

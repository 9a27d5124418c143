package dev.settingsguard.jdbi.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.TransactionMode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SqliteDatabase#inTransaction} inside another transaction runs in a savepoint: how a batch
 * of writes shares one commit while each stays atomic.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NestedTransactionTest {

  @TempDir Path dir;

  @Test
  void aFailingNestedTransactionUndoesOnlyItsOwnWrites() {
    try (SqliteDatabase database = open();
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      database.inTransaction(
          TransactionMode.EXCLUSIVE,
          () -> {
            store.setSetting("before", "kept");
            assertThatThrownBy(
                    () ->
                        database.inTransaction(
                            TransactionMode.EXCLUSIVE,
                            () -> {
                              store.setSetting("inside", "undone");
                              throw new ProviderNotFoundException(42);
                            }))
                .isInstanceOf(ProviderNotFoundException.class);
            store.setSetting("after", "kept");
            return null;
          });

      assertThat(store.getSetting("before")).isPresent();
      assertThat(store.getSetting("inside")).isEmpty();
      assertThat(store.getSetting("after")).isPresent();
    }
  }

  @Test
  void aFailingFirstNestedTransactionIsUndoneByARollbackAndTheEnclosingOneGoesOn() {
    try (SqliteDatabase database = open();
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      database.inTransaction(
          TransactionMode.EXCLUSIVE,
          () -> {
            assertThatThrownBy(
                    () ->
                        database.inTransaction(
                            TransactionMode.EXCLUSIVE,
                            () -> {
                              // The first work of the transaction runs without a savepoint.
                              assertThatThrownBy(
                                      () ->
                                          database.onHandle(
                                              handle -> handle.execute("RELEASE operation_1")))
                                  .hasMessageContaining("no such savepoint");
                              store.setSetting("first", "undone");
                              throw new ProviderNotFoundException(42);
                            }))
                .isInstanceOf(ProviderNotFoundException.class);
            database.inTransaction(
                TransactionMode.EXCLUSIVE,
                () -> {
                  store.setSetting("second", "kept");
                  return null;
                });
            return null;
          });

      assertThat(store.getSetting("first")).isEmpty();
      assertThat(store.getSetting("second")).isPresent();
    }
  }

  /**
   * After its first work failed, the transaction holds no lock until something more runs in it:
   * another connection takes SQLite's write lock at once, and if it still holds it when more work
   * comes, that work is refused busy, nothing of it ran, and the work after it goes on.
   */
  @Test
  void aTransactionWhoseFirstWorkFailedBeginsAgainOnlyForMoreWork() throws Exception {
    try (SqliteDatabase database =
            SqliteDatabase.open(
                dir.resolve("settings.db"), Synchronous.NORMAL, Duration.ofMillis(200));
        JdbiSettingsStore store = new JdbiSettingsStore(database);
        Connection other =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("settings.db"));
        Statement otherWriter = other.createStatement()) {
      otherWriter.execute("PRAGMA busy_timeout = 0");
      database.inTransaction(
          TransactionMode.EXCLUSIVE,
          () -> {
            assertThatThrownBy(
                    () ->
                        database.inTransaction(
                            TransactionMode.EXCLUSIVE,
                            () -> {
                              store.setSetting("first", "undone");
                              throw new ProviderNotFoundException(42);
                            }))
                .isInstanceOf(ProviderNotFoundException.class);
            execute(otherWriter, "BEGIN IMMEDIATE"); // fails busy if the lock were taken again
            assertThatThrownBy(
                    () ->
                        database.inTransaction(
                            TransactionMode.EXCLUSIVE,
                            () -> {
                              store.setSetting("refused", "never written");
                              return null;
                            }))
                .isInstanceOf(SettingsBusyException.class);
            execute(otherWriter, "ROLLBACK");
            database.inTransaction(
                TransactionMode.EXCLUSIVE,
                () -> {
                  store.setSetting("after", "kept");
                  return null;
                });
            return null;
          });

      assertThat(store.listSettings()).extracting(Setting::key).containsExactly("after");
    }
  }

  private static void execute(Statement statement, String sql) {
    try {
      statement.execute(sql);
    } catch (SQLException failure) {
      throw new AssertionError(sql + " failed: " + failure, failure);
    }
  }

  @Test
  void nothingMoreRunsInATransactionSqliteRolledBack() {
    try (SqliteDatabase database = open();
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      assertThatThrownBy(
              () ->
                  database.inTransaction(
                      TransactionMode.EXCLUSIVE,
                      () -> {
                        store.setSetting("before", "undone");
                        assertThatThrownBy(
                                () ->
                                    database.inTransaction(
                                        null,
                                        () -> {
                                          store.setSetting("inside", "undone");
                                          return rollBackAll(database);
                                        }))
                            .isInstanceOf(ProviderNotFoundException.class);
                        assertThatThrownBy(
                                () ->
                                    database.inTransaction(
                                        TransactionMode.EXCLUSIVE,
                                        () -> {
                                          store.setSetting("after", "never written");
                                          return null;
                                        }))
                            .isInstanceOf(SettingsStorageException.class)
                            .hasMessageContaining("was rolled back");
                        return null;
                      }))
          .as("the commit of a transaction SQLite rolled back fails")
          .isInstanceOf(SettingsStorageException.class);

      assertThat(store.getSetting("before")).isEmpty();
      assertThat(store.getSetting("inside")).isEmpty();
      assertThat(store.getSetting("after")).isEmpty();
      store.setSetting("later", "written");
      assertThat(store.getSetting("later")).as("the next transaction is a fresh one").isPresent();
    }
  }

  @Test
  void aNestedWriteThatCannotBeUndoneAloneIsNeverCommitted() {
    try (SqliteDatabase database = open();
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      assertThatThrownBy(
              () ->
                  database.inTransaction(
                      TransactionMode.EXCLUSIVE,
                      () -> {
                        store.setSetting("before", "undone");
                        assertThatThrownBy(
                                () ->
                                    database.inTransaction(
                                        null,
                                        () -> {
                                          store.setSetting("failed", "must not be committed");
                                          // Its savepoint is gone: ROLLBACK TO fails, while the
                                          // transaction and this write are still there.
                                          database.onHandle(
                                              handle -> handle.execute("RELEASE operation_1"));
                                          throw new ProviderNotFoundException(42);
                                        }))
                            .isInstanceOf(ProviderNotFoundException.class);
                        return null;
                      }))
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("could not be undone on its own");

      assertThat(store.getSetting("failed")).isEmpty();
      assertThat(store.getSetting("before")).isEmpty();
    }
  }

  /** What SQLite does on some errors, e.g. a full disk: it ends the whole transaction itself. */
  private static Object rollBackAll(SqliteDatabase database) {
    database.onHandle(handle -> handle.execute("ROLLBACK"));
    throw new ProviderNotFoundException(42);
  }

  private SqliteDatabase open() {
    return SqliteDatabase.open(
        dir.resolve("settings.db"), Synchronous.NORMAL, Duration.ofSeconds(5));
  }
}

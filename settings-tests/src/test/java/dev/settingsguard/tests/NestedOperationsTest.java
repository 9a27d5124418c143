package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.TransactionMode;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Operations nested in one transaction, as a batch of writes runs them. SQLite names each depth's
 * savepoint and releases it; PostgreSQL's are never released (that would cost a round trip per
 * write of a batch) and each has a name of its own: a failed operation must still roll back to its
 * own savepoint, undoing the nested operations that succeeded inside it, and a failed sibling must
 * undo itself alone.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NestedOperationsTest {

  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aFailedOperationUndoesItselfAndWhatItNestedButNotItsSiblings(Backend backend) {
    try (Database database = open(backend.newDatabase(dir));
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      database.inTransaction(
          TransactionMode.EXCLUSIVE,
          () -> {
            store.setSetting("first", "kept"); // a step: what follows nests in savepoints
            nested(database, () -> store.setSetting("sibling", "kept"));
            assertThatThrownBy(
                    () ->
                        nested(
                            database,
                            () -> {
                              store.setSetting("outer", "undone");
                              nested(database, () -> store.setSetting("inner", "undone"));
                              throw new ProviderNotFoundException(42);
                            }))
                .isInstanceOf(ProviderNotFoundException.class);
            nested(database, () -> store.setSetting("after", "kept"));
            return null;
          });

      assertThat(store.listSettings())
          .extracting(Setting::key)
          .containsExactly("after", "first", "sibling");
    }
  }

  private static Database open(TestDatabase db) {
    return db.backend() == Backend.POSTGRES
        ? PostgresDatabase.open(db.jdbcUrl(), LOCK_TIMEOUT)
        : SqliteDatabase.open(db.file(), Synchronous.NORMAL, LOCK_TIMEOUT);
  }

  private static void nested(Database database, Runnable work) {
    database.inTransaction(
        TransactionMode.EXCLUSIVE,
        () -> {
          work.run();
          return null;
        });
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ChangeKind;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsWatch;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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

  /**
   * On PostgreSQL an activation in a batch sends its savepoint, the revision and its statements in
   * one round trip, two savepoints when it is nested twice; one of a provider that does not exist
   * must still undo itself alone, take no revision and log nothing.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void activationsInABatchEachTakeARevisionAndLogOneChangeUnlessTheyFail(Backend backend)
      throws InterruptedException {
    try (Database database = open(backend.newDatabase(dir));
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      long a = store.addAiProvider("a", null, null).id();
      long b = store.addAiProvider("b", null, null).id();
      long before = store.currentRevision();
      BlockingQueue<SettingsChange> changes = new LinkedBlockingQueue<>();
      List<Long> revisions =
          database.inTransaction(
              TransactionMode.EXCLUSIVE,
              () -> {
                List<Long> taken = new ArrayList<>();
                taken.add(store.setActiveProvider(b).revision()); // the first: no savepoint
                nested(database, () -> taken.add(store.setActiveProvider(a).revision()));
                assertThatThrownBy(() -> nested(database, () -> store.setActiveProvider(a + b)))
                    .isInstanceOf(ProviderNotFoundException.class);
                nested(
                    database,
                    () -> nested(database, () -> taken.add(store.setActiveProvider(b).revision())));
                return taken;
              });

      assertThat(revisions).containsExactly(before + 1, before + 2, before + 3);
      assertThat(store.currentRevision()).isEqualTo(before + 3);
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(b);
      assertThat(store.listAiProviders()).filteredOn(AiProvider::active).hasSize(1);
      try (SettingsWatch watch = store.watch(before, changes::add)) {
        for (long revision = before + 1; revision <= before + 3; revision++) {
          SettingsChange change = changes.poll(10, TimeUnit.SECONDS);
          assertThat(change).isNotNull();
          assertThat(change.revision()).isEqualTo(revision);
          assertThat(change.kind()).isEqualTo(ChangeKind.ACTIVE_PROVIDER_CHANGED);
          assertThat(change.providerId()).isEqualTo(revision == before + 2 ? a : b);
        }
        assertThat(changes.poll(200, TimeUnit.MILLISECONDS)).isNull();
      }
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

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.ChangeKind;
import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.BarrierRun;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.RecordingListener;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The change feed within one JVM, on both backends: a watch on one store sees the writes of another
 * store on the same database, each change once, in revision order; a trimmed log gives a reset; a
 * failing listener keeps its watch; closing stops delivery and leaves no thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChangeFeedTest {

  private static final Duration DELIVERY = Duration.ofSeconds(10);

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWatchSeesEveryChangeOfFourWritingThreadsOnceAndInOrder(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    TestStores.seedProviders(db, 3);
    try (SettingsStore watching = TestStores.open(Chain.DEFAULT, db);
        SettingsStore writing = TestStores.open(Chain.DEFAULT, db)) {
      long start = watching.currentRevision();
      RecordingListener listener = new RecordingListener();
      try (SettingsWatch watch = watching.watch(start, listener)) {
        List<Long> ids = writing.listAiProviders().stream().map(AiProvider::id).toList();
        BarrierRun.Result run =
            BarrierRun.run(
                4,
                Duration.ofSeconds(30),
                thread -> {
                  Random random = new Random(thread);
                  for (int op = 0; op < 50; op++) {
                    switch (random.nextInt(3)) {
                      case 0 -> writing.setActiveProvider(ids.get(random.nextInt(ids.size())));
                      case 1 -> writing.setSetting("key-" + thread, "op " + op);
                      default ->
                          writing.setSettings(Map.of("a-" + thread, "1", "b-" + thread, "2"));
                    }
                  }
                });
        assertThat(run.failures()).isEmpty();
        long end = writing.currentRevision();
        assertThat(end).isEqualTo(start + 200);
        listener.awaitRevision(end, DELIVERY);

        List<SettingsChange> changes = listener.changes();
        assertThat(changes.stream().mapToLong(SettingsChange::revision).distinct())
            .as("every revision, in order")
            .containsExactlyElementsOf(LongStream.rangeClosed(start + 1, end).boxed().toList());
        assertThat(changes).as("each change once").doesNotHaveDuplicates();
        assertThat(changes.stream().mapToLong(SettingsChange::revision).toArray()).isSorted();
        assertThat(changes).hasSize(StoredRows.changesAfter(db, start).size());
        assertThat(listener.resets()).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWatchBehindTheTrimmedLogIsResetThenGoesOn(Backend backend) {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store =
        SettingsStores.open(db.builder(Chain.DEFAULT).changeLogLength(10).build())) {
      for (int i = 0; i < 130; i++) {
        store.setSetting("k", "v" + i);
      }
      long current = store.currentRevision();
      RecordingListener listener = new RecordingListener();
      try (SettingsWatch watch = store.watch(0, listener)) {
        listener.awaitReset(DELIVERY);
        store.setSetting("after", "reset");
        listener.awaitRevision(current + 1, DELIVERY);
        assertThat(listener.resets()).containsExactly(current);
        assertThat(listener.changes())
            .extracting(SettingsChange::revision, SettingsChange::settingKey)
            .containsExactly(tuple(current + 1, "after"));
      }
      assertThat(StoredRows.changesAfter(db, 0))
          .as("rows kept in the log")
          .hasSizeLessThanOrEqualTo(10 + 64);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aListenerThatThrowsKeepsItsWatch(Backend backend) {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      RecordingListener listener =
          new RecordingListener() {
            @Override
            public synchronized void onChange(SettingsChange change) {
              super.onChange(change);
              if (change.revision() == 1) {
                throw new AssertionError("an Error of the listener's own");
              }
              throw new IllegalStateException("a listener's own bug");
            }
          };
      try (SettingsWatch watch = store.watch(0, listener)) {
        store.setSetting("first", "1");
        store.setSetting("second", "2");
        store.setSetting("third", "3");
        listener.awaitRevision(3, DELIVERY);
        assertThat(listener.changes())
            .extracting(SettingsChange::settingKey)
            .containsExactly("first", "second", "third");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void closingTheWatchOrTheStoreStopsDeliveryAndLeavesNoThread(Backend backend) {
    TestDatabase db = backend.newDatabase(dir);
    RecordingListener open = new RecordingListener();
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      RecordingListener closed = new RecordingListener();
      SettingsWatch watch = store.watch(0, closed);
      store.watch(0, open);
      store.setSetting("k", "1");
      closed.awaitRevision(1, DELIVERY);
      watch.close();
      store.setSetting("k", "2");
      open.awaitRevision(2, DELIVERY);
      assertThat(closed.changes()).hasSize(1);
    }
    assertThat(feedThreadsOf(db)).as("feed threads after the store closed").isEmpty();
    assertThat(open.changes()).hasSize(2);
  }

  /**
   * A change of a kind this version does not know (a newer version wrote it) is passed over; the
   * changes around it are delivered.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aChangeOfAnUnknownKindIsPassedOver(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      store.setSetting("before", "1");
      db.execute(
          "UPDATE settings_revision SET revision = 2",
          "INSERT INTO settings_changes (revision, seq, kind, changed_at)"
              + " VALUES (2, 0, 'KIND_OF_A_LATER_VERSION', 0)");
      store.setSetting("after", "3");
      RecordingListener listener = new RecordingListener();
      try (SettingsWatch watch = store.watch(0, listener)) {
        listener.awaitRevision(3, DELIVERY);
      }
      assertThat(listener.changes())
          .extracting(SettingsChange::revision, SettingsChange::settingKey)
          .containsExactly(tuple(1L, "before"), tuple(3L, "after"));
    }
  }

  /** Events name what changed; values and keys stay in the store. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void changesNameWhatChangedButCarryNoValueOrSecret(Backend backend) {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      RecordingListener listener = new RecordingListener();
      try (SettingsWatch watch = store.watch(0, listener)) {
        store.setSetting("visible.key", "hidden-value-4711");
        AiProvider provider =
            store.addAiProvider("provider", ApiKey.of("sk-hidden-secret-0815"), "hidden-model");
        store.deleteAiProvider(provider.id());
        listener.awaitRevision(3, DELIVERY);
      }
      assertThat(listener.changes())
          .extracting(SettingsChange::kind)
          .containsExactly(
              ChangeKind.SETTING_WRITTEN,
              ChangeKind.PROVIDER_WRITTEN,
              ChangeKind.ACTIVE_PROVIDER_CHANGED,
              ChangeKind.PROVIDER_DELETED,
              ChangeKind.ACTIVE_PROVIDER_CHANGED);
      assertThat(listener.changes())
          .allSatisfy(
              change ->
                  assertThat(change.toString()).doesNotContain("hidden", "sk-", "0815", "4711"));
    }
  }

  /** The feed's threads are named after the database: other tests' stores may be running. */
  private static List<String> feedThreadsOf(TestDatabase db) {
    String name =
        db.backend() == Backend.SQLITE
            ? db.file().toString()
            : db.jdbcUrl().replaceAll("\\?.*", "").replaceAll(".*/", "/") + " (";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    List<String> names;
    do {
      names =
          Thread.getAllStackTraces().keySet().stream()
              .filter(Thread::isAlive)
              .map(Thread::getName)
              .filter(thread -> thread.startsWith("settings-guard-feed") && thread.contains(name))
              .toList();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    } while (!names.isEmpty() && System.nanoTime() - deadline < 0);
    return names;
  }
}

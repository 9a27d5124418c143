package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ChangeKind;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.TransactionMode;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Activations queued behind a write on the default chain's JVM lock are handed to the store
 * together: on PostgreSQL it makes them at once, by the same few statements whatever their number,
 * in one round trip; on SQLite one by one. Each caller still gets its own outcome and revision, and
 * when one of them fails, the others are made one by one, as if they had never been joined.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JoinedActivationsTest {

  private static final String ACTIVATE = "SET is_active = 1";

  /** What only the statements of several activations at once hold: the providers as a list. */
  private static final String JOINED = ":ids";

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void queuedActivationsAreMadeTogetherEachWithItsOwnRevision(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    TestStores.seedProviders(db, 4);
    HeldWrite held = new HeldWrite();
    try (SettingsStore store =
        TestStores.openWithSqlLogger(db, db.config(Chain.DEFAULT), held.logger)) {
      long before = store.currentRevision();
      CompletableFuture<Void> holder = held.start(store);
      List<CompletableFuture<AiProvider>> queued = new ArrayList<>();
      for (long id : List.of(2L, 3L, 1L)) {
        queued.add(queueActivation(store, id));
      }
      held.release();
      holder.get(30, TimeUnit.SECONDS);

      List<AiProvider> activated = new ArrayList<>();
      for (CompletableFuture<AiProvider> activation : queued) {
        activated.add(activation.get(30, TimeUnit.SECONDS));
      }
      assertThat(activated).extracting(AiProvider::id).containsExactly(2L, 3L, 1L);
      assertThat(activated).allMatch(AiProvider::active);
      // The held write took the first revision; the activations the next three, in their order.
      assertThat(activated)
          .extracting(AiProvider::revision)
          .containsExactly(before + 2, before + 3, before + 4);
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(1L);
      assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(4, 1));
      assertLogged(store, before + 1, List.of(2L, 3L, 1L));

      List<String> activationsSent = activationsSent(held);
      if (backend == Backend.POSTGRES) {
        assertThat(activationsSent).singleElement().asString().contains(JOINED);
      } else {
        assertThat(activationsSent).hasSize(3).noneMatch(sql -> sql.contains(JOINED));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void whenOneOfTheJoinedActivationsFailsTheOthersAreMadeOneByOne(Backend backend)
      throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    TestStores.seedProviders(db, 4);
    HeldWrite held = new HeldWrite();
    try (SettingsStore store =
        TestStores.openWithSqlLogger(db, db.config(Chain.DEFAULT), held.logger)) {
      long before = store.currentRevision();
      CompletableFuture<Void> holder = held.start(store);
      CompletableFuture<AiProvider> second = queueActivation(store, 2);
      CompletableFuture<AiProvider> missing = queueActivation(store, 99);
      CompletableFuture<AiProvider> third = queueActivation(store, 3);
      held.release();
      holder.get(30, TimeUnit.SECONDS);

      assertThat(second.get(30, TimeUnit.SECONDS).revision()).isEqualTo(before + 2);
      assertThat(third.get(30, TimeUnit.SECONDS).revision()).isEqualTo(before + 3);
      assertThat(missing)
          .failsWithin(30, TimeUnit.SECONDS)
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(ProviderNotFoundException.class);
      assertThat(store.currentRevision()).isEqualTo(before + 3);
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(3L);
      assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(4, 1));
      assertLogged(store, before + 1, List.of(2L, 3L));
      // Handed over together first, then each alone: on PostgreSQL the three at once; on SQLite one
      // by one until the missing one, which ends the call.
      List<String> activationsSent = activationsSent(held);
      if (backend == Backend.POSTGRES) {
        assertThat(activationsSent).hasSize(4).first().asString().contains(JOINED);
        assertThat(activationsSent.subList(1, 4)).noneMatch(sql -> sql.contains(JOINED));
      } else {
        assertThat(activationsSent).hasSize(5).noneMatch(sql -> sql.contains(JOINED));
      }
    }
  }

  /**
   * On PostgreSQL several activations in a transaction are made at once, by statements of their
   * own: for random sequences (repeats, the active provider first or last, one provider twice in a
   * row), each from the state the sequences before left, they must return the rows, leave the rows,
   * the revision and the log that the same activations one by one do. Every {@code updated_at}
   * starts in the future, so that each activation moves it one microsecond on whatever the clock
   * says, as alike on both sides.
   */
  @Test
  void onPostgresActivationsAtOnceLeaveWhatTheyWouldOneByOne() throws Exception {
    TestDatabase atOnce = Backend.POSTGRES.newDatabase(dir);
    TestDatabase oneByOne = Backend.POSTGRES.newDatabase(dir);
    for (TestDatabase db : List.of(atOnce, oneByOne)) {
      TestStores.seedProviders(db, 5);
      db.execute("UPDATE ai_providers SET updated_at = 4000000000000000 + id * 1000");
    }
    Random random = new Random(20261203);
    try (Database atOnceDatabase = atOnce.open(Chain.TEST_LOCK_TIMEOUT);
        JdbiSettingsStore atOnceStore = new JdbiSettingsStore(atOnceDatabase);
        Database oneByOneDatabase = oneByOne.open(Chain.TEST_LOCK_TIMEOUT);
        JdbiSettingsStore oneByOneStore = new JdbiSettingsStore(oneByOneDatabase)) {
      for (int round = 0; round < 40; round++) {
        List<Long> ids = new ArrayList<>();
        int length = 2 + random.nextInt(8);
        for (int i = 0; i < length; i++) {
          ids.add(random.nextInt(4) == 0 && i > 0 ? ids.get(i - 1) : 1 + random.nextInt(5));
        }
        List<AiProvider> madeAtOnce =
            atOnceDatabase.inTransaction(
                TransactionMode.EXCLUSIVE, () -> atOnceStore.setActiveProviders(ids));
        List<AiProvider> madeOneByOne =
            oneByOneDatabase.inTransaction(
                TransactionMode.EXCLUSIVE,
                () -> ids.stream().map(oneByOneStore::setActiveProvider).toList());

        assertThat(madeAtOnce).as("rows returned for %s", ids).isEqualTo(madeOneByOne);
        assertThat(atOnceStore.listAiProviders())
            .as("rows left by %s", ids)
            .isEqualTo(oneByOneStore.listAiProviders());
        assertThat(atOnceStore.currentRevision()).isEqualTo(oneByOneStore.currentRevision());
      }
      assertThat(logged(atOnceStore)).isEqualTo(logged(oneByOneStore)).hasSizeGreaterThan(80);
    }
  }

  /**
   * Activations at once read the clock once, yet a later one leaves its provider more recently
   * updated, as one by one: deleting the active provider then promotes the one activated last
   * before it, not the highest id among equal timestamps.
   */
  @Test
  void onPostgresLaterActivationsAtOnceStayLater() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 5);
    try (Database database = db.open(Chain.TEST_LOCK_TIMEOUT);
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      List<AiProvider> made =
          database.inTransaction(
              TransactionMode.EXCLUSIVE, () -> store.setActiveProviders(List.of(5L, 2L, 3L, 2L)));

      assertThat(made).extracting(AiProvider::updatedAt).isSortedAccordingTo(Instant::compareTo);
      assertThat(made.get(0).updatedAt()).isBefore(made.get(1).updatedAt());
      assertThat(made.get(2).updatedAt()).isBefore(made.get(3).updatedAt());
      assertThat(store.deleteAiProvider(2)).isTrue();
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(3L);
    }
  }

  /**
   * At once, activations of which one names a provider that does not exist change nothing, even for
   * a caller that catches the exception and commits: no provider is deactivated, no revision taken,
   * nothing logged.
   */
  @Test
  void onPostgresActivationsAtOnceOfAMissingProviderChangeNothing() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 4);
    try (Database database = db.open(Chain.TEST_LOCK_TIMEOUT);
        JdbiSettingsStore store = new JdbiSettingsStore(database)) {
      List<AiProvider> before = store.listAiProviders();
      long revision = store.currentRevision();

      database.inTransaction(
          TransactionMode.EXCLUSIVE,
          () -> {
            assertThatThrownBy(() -> store.setActiveProviders(List.of(2L, 99L, 3L)))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("99");
            return null;
          });

      assertThat(store.listAiProviders()).isEqualTo(before);
      assertThat(store.currentRevision()).isEqualTo(revision);
      assertThat(store.getActiveProvider()).map(AiProvider::id).contains(4L);
      assertThat(logged(store))
          .extracting(change -> change.get(0))
          .allMatch(r -> (long) r <= revision);
    }
  }

  /** The whole log, as (revision, kind, provider) of each change, through the current revision. */
  private static List<List<Object>> logged(SettingsStore store) throws InterruptedException {
    BlockingQueue<SettingsChange> changes = new LinkedBlockingQueue<>();
    List<List<Object>> logged = new ArrayList<>();
    long through = store.currentRevision();
    try (SettingsWatch watch = store.watch(0, changes::add)) {
      long delivered = 0;
      while (delivered < through) {
        SettingsChange change = changes.poll(10, TimeUnit.SECONDS);
        assertThat(change).as("a change after revision %d", delivered).isNotNull();
        logged.add(List.of(change.revision(), change.kind(), change.providerId()));
        delivered = change.revision();
      }
    }
    return logged;
  }

  /**
   * Starts an activation on its own thread and returns once the thread is parked in the JVM lock's
   * queue, so activations queue in the order this is called.
   */
  private static CompletableFuture<AiProvider> queueActivation(SettingsStore store, long id) {
    CompletableFuture<AiProvider> outcome = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                outcome.complete(store.setActiveProvider(id));
              } catch (RuntimeException failure) {
                outcome.completeExceptionally(failure);
              }
            },
            "activate-" + id);
    thread.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!outcome.isDone() && !parkedOnTheJvmLock(thread)) {
      assertThat(System.nanoTime() - deadline).as("activation of %d never queued", id).isNegative();
      Thread.onSpinWait();
    }
    return outcome;
  }

  private static boolean parkedOnTheJvmLock(Thread thread) {
    Object blocker = LockSupport.getBlocker(thread);
    return blocker != null && blocker.getClass().getSimpleName().equals("CombiningLock");
  }

  /** The log, read through a watch, holds one activation per revision from {@code first} on. */
  private static void assertLogged(SettingsStore store, long first, List<Long> activatedIds)
      throws InterruptedException {
    BlockingQueue<SettingsChange> changes = new LinkedBlockingQueue<>();
    try (SettingsWatch watch = store.watch(first, changes::add)) {
      for (int i = 0; i < activatedIds.size(); i++) {
        SettingsChange change = changes.poll(10, TimeUnit.SECONDS);
        assertThat(change).isNotNull();
        assertThat(change.revision()).isEqualTo(first + 1 + i);
        assertThat(change.kind()).isEqualTo(ChangeKind.ACTIVE_PROVIDER_CHANGED);
        assertThat(change.providerId()).isEqualTo(activatedIds.get(i));
      }
      assertThat(changes.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  /** The statements sent after the held write that activate providers, one or several, in order. */
  private static List<String> activationsSent(HeldWrite held) {
    return held.sentAfterRelease.stream()
        .filter(sql -> sql.contains(ACTIVATE) || sql.contains(JOINED))
        .toList();
  }

  /**
   * A setting's write that stops as its statement is sent, holding the JVM lock until released, and
   * a logger that records what is sent after that.
   */
  private static final class HeldWrite {
    final CountDownLatch holding = new CountDownLatch(1);
    final CountDownLatch released = new CountDownLatch(1);
    final AtomicBoolean held = new AtomicBoolean();
    final List<String> sentAfterRelease = new CopyOnWriteArrayList<>();
    final SqlLogger logger =
        new SqlLogger() {
          @Override
          public void logBeforeExecution(StatementContext context) {
            String sql = context.getRawSql();
            if (sql.contains("INSERT INTO settings ") && held.compareAndSet(false, true)) {
              holding.countDown();
              try {
                released.await();
              } catch (InterruptedException interrupt) {
                Thread.currentThread().interrupt();
              }
            } else if (released.getCount() == 0) {
              sentAfterRelease.add(sql);
            }
          }
        };

    CompletableFuture<Void> start(SettingsStore store) throws InterruptedException {
      CompletableFuture<Void> done =
          CompletableFuture.runAsync(() -> store.setSetting("held", "x"));
      assertThat(holding.await(10, TimeUnit.SECONDS)).as("the held write started").isTrue();
      return done;
    }

    void release() {
      released.countDown();
    }
  }
}

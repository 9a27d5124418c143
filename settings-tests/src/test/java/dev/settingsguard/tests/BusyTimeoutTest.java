package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.LockHolder;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.StoredRows.ProviderRow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.ThrowingConsumer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Another process ({@link LockHolder}) holds SQLite's write lock or the {@code FILE_LOCK} lock
 * file. A write must give up with {@link SettingsBusyException} once the lock timeout has passed
 * (with a generous margin for a loaded machine, never much later), wait and succeed when the lock
 * is released in time, and stop waiting at once, with the interrupt flag set, when interrupted.
 */
class BusyTimeoutTest {

  private static final Duration SHORT_TIMEOUT = Duration.ofMillis(500);
  private static final Duration EPSILON = Duration.ofMillis(50);
  private static final Duration MARGIN = Duration.ofMillis(1500);
  private static final Duration LOCKED_TIMEOUT = Duration.ofSeconds(60);

  /** What the other process holds. */
  private enum Held {
    SQLITE_WRITE_LOCK("sqlite", "write lock on ", ""),
    LOCK_FILE("file", "file lock on ", ".lock");

    final String holderArgument;
    final String resourcePrefix;
    final String fileSuffix;

    Held(String holderArgument, String resourcePrefix, String fileSuffix) {
      this.holderArgument = holderArgument;
      this.resourcePrefix = resourcePrefix;
      this.fileSuffix = fileSuffix;
    }

    String resource(Path db) {
      return resourcePrefix + db.toAbsolutePath() + fileSuffix;
    }
  }

  /**
   * Every chain, {@code JVM_LOCK} and {@code FILE_LOCK} alone included: their deferred transaction
   * begins with a write (taking the next revision), so it waits for another process's write lock
   * like {@code BEGIN IMMEDIATE} does, rather than fail at once after a read.
   */
  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"JVM_LOCK", "SQLITE_IMMEDIATE", "DEFAULT", "ALL"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void refusesWritesWithinTheTimeoutWhileAnotherProcessHoldsTheSqliteWriteLock(
      Chain chain, @TempDir Path dir) throws Exception {
    assertRefusedWithinTheTimeout(
        chain, dir.toRealPath().resolve("settings.db"), Held.SQLITE_WRITE_LOCK);
  }

  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"FILE_LOCK", "ALL"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void refusesWritesWithinTheTimeoutWhileAnotherProcessHoldsTheLockFile(
      Chain chain, @TempDir Path dir) throws Exception {
    assertRefusedWithinTheTimeout(chain, dir.toRealPath().resolve("settings.db"), Held.LOCK_FILE);
  }

  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"JVM_LOCK", "FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT", "ALL"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void waitsAndWritesWhenAnotherProcessReleasesTheSqliteWriteLockInTime(
      Chain chain, @TempDir Path dir) throws Exception {
    assertWaitsAndWrites(chain, dir.toRealPath().resolve("settings.db"), Held.SQLITE_WRITE_LOCK);
  }

  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"FILE_LOCK", "ALL"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void waitsAndWritesWhenAnotherProcessReleasesTheLockFileInTime(Chain chain, @TempDir Path dir)
      throws Exception {
    assertWaitsAndWrites(chain, dir.toRealPath().resolve("settings.db"), Held.LOCK_FILE);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void stopsWaitingForTheSqliteWriteLockWhenInterruptedAndKeepsTheFlag(@TempDir Path dir)
      throws Exception {
    assertInterruptEndsTheWait(
        Chain.DEFAULT, dir.toRealPath().resolve("settings.db"), Held.SQLITE_WRITE_LOCK);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void stopsWaitingForTheLockFileWhenInterruptedAndKeepsTheFlag(@TempDir Path dir)
      throws Exception {
    assertInterruptEndsTheWait(
        Chain.FILE_LOCK, dir.toRealPath().resolve("settings.db"), Held.LOCK_FILE);
  }

  /**
   * One thread holds the JVM lock while it waits for SQLite's write lock (held by another process);
   * a second thread waits for the JVM lock and is interrupted.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void stopsWaitingForTheJvmLockWhenInterruptedAndKeepsTheFlag(@TempDir Path dir) throws Exception {
    Path db = dir.toRealPath().resolve("settings.db");
    Duration timeout = Duration.ofSeconds(8);
    try (SettingsStore store = SettingsStores.open(Chain.DEFAULT.config(db, timeout))) {
      seed(store);
      try (ChildProcess holder = holdInAnotherProcess(Held.SQLITE_WRITE_LOCK, db, 30_000)) {
        AtomicReference<Throwable> occupantFailure = new AtomicReference<>();
        Thread occupant =
            new Thread(
                () -> {
                  try {
                    store.setSetting("occupant", "written once the other process let go");
                  } catch (Throwable failure) {
                    occupantFailure.set(failure);
                  }
                });
        occupant.start();
        awaitWaiting(occupant); // holding the JVM lock, on SQLite's write lock

        Interrupted interrupted = interruptWhileWriting(store);
        assertThat(interrupted.failure).isInstanceOf(SettingsBusyException.class);
        assertThat(((SettingsBusyException) interrupted.failure).resource())
            .isEqualTo("JVM lock on " + db);
        assertThat(interrupted.failure).hasCauseInstanceOf(InterruptedException.class);
        assertThat(interrupted.flagSet).as("interrupt flag after the refusal").isTrue();
        assertThat(interrupted.elapsed).isLessThan(timeout.minusSeconds(3));

        holder.kill();
        occupant.join(timeout.toMillis() + 5_000);
        assertThat(occupant.isAlive()).as("the thread holding the JVM lock still waits").isFalse();
        assertThat(occupantFailure.get()).as("the thread holding the JVM lock").isNull();
      }
    }
    assertUnchanged(db);
    assertThat(StoredRows.settingValues(db, "occupant"))
        .containsExactly("written once the other process let go");
  }

  private static void assertRefusedWithinTheTimeout(Chain chain, Path db, Held held)
      throws Exception {
    try (SettingsStore store = SettingsStores.open(chain.config(db, SHORT_TIMEOUT))) {
      seed(store);
      try (ChildProcess holder = holdInAnotherProcess(held, db, 30_000)) {
        List<ThrowingConsumer<SettingsStore>> writes =
            List.of(
                s -> s.setSetting("key", "after"),
                s -> s.replaceSetting("key", s.getSetting("key").orElseThrow().revision(), "cas"),
                s -> s.addAiProvider("after", null, null),
                s -> s.setActiveProvider(s.getActiveProvider().orElseThrow().id()));
        for (ThrowingConsumer<SettingsStore> write : writes) {
          long start = System.nanoTime();
          Throwable thrown = catchThrowable(() -> write.accept(store));
          Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

          assertThat(thrown).isInstanceOf(SettingsBusyException.class);
          assertThat(((SettingsBusyException) thrown).resource()).isEqualTo(held.resource(db));
          assertThat(thrown.getMessage()).contains(held.resource(db));
          assertThat(elapsed)
              .as("refused after waiting the lock timeout, not longer")
              .isGreaterThanOrEqualTo(SHORT_TIMEOUT.minus(EPSILON))
              .isLessThan(SHORT_TIMEOUT.plus(MARGIN));
        }
        assertThat(holder.linesStartingWith("RELEASED"))
            .as("the lock was held throughout")
            .isEmpty();
      }
    }
    assertUnchanged(db);
  }

  private static void assertWaitsAndWrites(Chain chain, Path db, Held held) throws Exception {
    Duration timeout = Duration.ofSeconds(5);
    // Long enough that a stalled test thread still finds the lock held when it starts to write.
    Duration hold = Duration.ofMillis(2000);
    try (SettingsStore store = SettingsStores.open(chain.config(db, timeout))) {
      seed(store);
      try (ChildProcess holder = holdInAnotherProcess(held, db, hold.toMillis())) {
        long start = System.nanoTime();
        store.setSetting("key", "after");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        holder.awaitLine("RELEASED", LOCKED_TIMEOUT);

        assertThat(elapsed)
            .as("the write waited for the other process")
            .isGreaterThan(hold.dividedBy(8));
        assertThat(store.addAiProvider("after", null, null).active()).isTrue();
      }
    }
    assertThat(StoredRows.settingValues(db, "key")).containsExactly("after");
    assertThat(StoredRows.providers(db))
        .extracting(ProviderRow::name, ProviderRow::active)
        .containsExactly(tuple("before", false), tuple("after", true));
  }

  private static void assertInterruptEndsTheWait(Chain chain, Path db, Held held) throws Exception {
    Duration timeout = Duration.ofSeconds(8);
    try (SettingsStore store = SettingsStores.open(chain.config(db, timeout))) {
      seed(store);
      try (ChildProcess holder = holdInAnotherProcess(held, db, 30_000)) {
        Interrupted interrupted = interruptWhileWriting(store);

        assertThat(interrupted.failure).isInstanceOf(SettingsBusyException.class);
        assertThat(((SettingsBusyException) interrupted.failure).resource())
            .isEqualTo(held.resource(db));
        assertThat(interrupted.failure).hasCauseInstanceOf(InterruptedException.class);
        assertThat(interrupted.flagSet).as("interrupt flag after the refusal").isTrue();
        assertThat(interrupted.elapsed)
            .as("ended by the interrupt, not by the timeout")
            .isLessThan(timeout.minusSeconds(3));
      }
    }
    assertUnchanged(db);
  }

  private record Interrupted(Throwable failure, boolean flagSet, Duration elapsed) {}

  /** Starts a write on a new thread, interrupts it once it waits, and reports how it ended. */
  private static Interrupted interruptWhileWriting(SettingsStore store)
      throws InterruptedException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean flagSet = new AtomicBoolean();
    AtomicReference<Duration> elapsed = new AtomicReference<>();
    Thread waiter =
        new Thread(
            () -> {
              long start = System.nanoTime();
              try {
                store.setSetting("key", "after");
              } catch (Throwable thrown) {
                failure.set(thrown);
              }
              flagSet.set(Thread.currentThread().isInterrupted());
              elapsed.set(Duration.ofNanos(System.nanoTime() - start));
            },
            "interrupted-waiter");
    waiter.start();
    awaitWaiting(waiter);
    waiter.interrupt();
    waiter.join(10_000);
    assertThat(waiter.isAlive()).as("the waiter still waits after the interrupt").isFalse();
    return new Interrupted(failure.get(), flagSet.get(), elapsed.get());
  }

  /**
   * Returns once the thread is parked: every wait of the library for a lock parks, whether in the
   * JVM lock's queue or between polls of SQLite's lock or the lock file.
   */
  private static void awaitWaiting(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (thread.getState() != Thread.State.TIMED_WAITING
        && thread.getState() != Thread.State.WAITING) {
      assertThat(thread.isAlive()).as("%s ended before it waited", thread).isTrue();
      assertThat(System.nanoTime() - deadline).as("%s never waited", thread).isNegative();
      Thread.onSpinWait();
    }
  }

  private static ChildProcess holdInAnotherProcess(Held held, Path db, long holdMillis)
      throws Exception {
    ChildProcess holder =
        ChildProcess.start(
            LockHolder.class, held.holderArgument, db.toString(), String.valueOf(holdMillis));
    try {
      holder.awaitLine("LOCKED", LOCKED_TIMEOUT);
    } catch (Exception | Error neverLocked) {
      holder.close();
      throw neverLocked;
    }
    return holder;
  }

  private static void seed(SettingsStore store) {
    store.addAiProvider("before", null, "model");
    store.setSetting("key", "before");
  }

  private static void assertUnchanged(Path db) {
    assertThat(StoredRows.settingValues(db, "key"))
        .as("setting after refusals")
        .containsExactly("before");
    assertThat(StoredRows.providers(db))
        .as("providers after refusals")
        .extracting(ProviderRow::name, ProviderRow::active)
        .containsExactly(tuple("before", true));
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.tests.support.ActivatingProcess;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Four real JVMs of four threads each activate providers of one file as fast as they can, while the
 * length of its WAL is watched. SQLite writes the WAL from its start again only after a checkpoint
 * has copied all of it; when writers of several processes take turns, each one's automatic
 * checkpoint races the next one's commit and the WAL grows for as long as they write. The chains
 * must keep it short.
 *
 * <p>A thread of this JVM reads the file's length every millisecond and keeps the longest. The
 * library's connections cut a restarted WAL back ({@code journal_size_limit}); plain ones never do.
 */
class WalLengthTest {

  private static final int PROCESSES = 4;
  private static final int THREADS_PER_PROCESS = 4;
  private static final int OPERATIONS_PER_THREAD = 2_500;
  private static final int SEEDED_PROVIDERS = 4;

  /**
   * Twice the length at which the library's connections run SQLite's own checkpoint (2000 pages of
   * 4 KiB). The chains that restart the WAL peaked at 4.8–4.9 MB, FILE_LOCK, whose lock holds the
   * other processes off until SQLite's checkpoint is done, at 8.2 MB; plain transactions at 33–48
   * MB, and SQLITE_IMMEDIATE at 329 MB with the library's WAL restarts taken out.
   */
  private static final long SHORT_WAL_BYTES = 16L << 20;

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);

  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT", "ALL"})
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void keepsTheWalShortWhenFourProcessesWrite(Chain chain, @TempDir Path dir) throws Exception {
    long walBytes = longestWalWhileFourProcessesActivate(chain.name(), dir.resolve("settings.db"));

    assertThat(walBytes).as("WAL length in bytes").isLessThan(SHORT_WAL_BYTES);
  }

  /** The negative control: the same transactions without the library let the WAL grow. */
  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void growsTheWalWhenFourProcessesWritePlainImmediateTransactions(@TempDir Path dir)
      throws Exception {
    long walBytes =
        longestWalWhileFourProcessesActivate(
            ActivatingProcess.PLAIN_JDBC, dir.resolve("settings.db"));

    assertThat(walBytes).as("WAL length in bytes").isGreaterThan(SHORT_WAL_BYTES);
  }

  private long longestWalWhileFourProcessesActivate(String mode, Path db) throws Exception {
    TestStores.seedProviders(db, SEEDED_PROVIDERS);
    List<ChildProcess> children = new ArrayList<>();
    Path wal = db.resolveSibling(db.getFileName() + "-wal");
    AtomicLong longest = new AtomicLong();
    Thread watcher =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                longest.accumulateAndGet(lengthOf(wal), Math::max);
                LockSupport.parkNanos(1_000_000);
              }
              longest.accumulateAndGet(lengthOf(wal), Math::max);
            },
            "wal-length-watcher");
    try (Connection keepsTheWal = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      // A connection opens the WAL at its first read, and the last one to close deletes it.
      Invariant.read(keepsTheWal);
      for (int i = 0; i < PROCESSES; i++) {
        children.add(
            ChildProcess.start(
                ActivatingProcess.class,
                db.toString(),
                mode,
                String.valueOf(THREADS_PER_PROCESS),
                String.valueOf(OPERATIONS_PER_THREAD)));
      }
      for (ChildProcess child : children) {
        child.awaitLine("READY", START_TIMEOUT);
      }
      watcher.start();
      for (ChildProcess child : children) {
        child.send("GO");
      }
      for (ChildProcess child : children) {
        assertThat(child.awaitExit(RUN_TIMEOUT))
            .as("exit code of child %d: %s", child.pid(), child.lines())
            .isZero();
        assertThat(child.lines()).contains("DONE " + THREADS_PER_PROCESS * OPERATIONS_PER_THREAD);
      }
      watcher.interrupt();
      watcher.join();
      long walBytes = longest.get();
      // The longest length, not the one at the end: the library's connections cut the file back.
      assertThat(Invariant.read(keepsTheWal).holds()).isTrue();
      System.out.printf("%s %s: WAL %,d bytes%n", getClass().getSimpleName(), mode, walBytes);
      return walBytes;
    } finally {
      watcher.interrupt();
      for (ChildProcess child : children) {
        child.close();
      }
    }
  }

  private static long lengthOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException absentOrUnreadable) {
      return 0;
    }
  }
}

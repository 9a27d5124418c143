package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.locking.Strategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing grows without bound: opening and closing 5,000 stores, each on a database file of its own
 * and each written and read once, leaves the JVM as it found it. A long-lived process that opens a
 * store per tenant, per request or per test must not keep anything of a store after its {@code
 * close()}: not the per-database entries of the {@code JVM_LOCK} and {@code FILE_LOCK} registries,
 * not the change feed's thread, not a file descriptor of the database, its WAL or its lock file.
 *
 * <p>The stores mix the default chain with {@code FILE_LOCK}, plain with cached reads (whose store
 * keeps a watch, and so a feed thread, open), and unwatched with watched, the watch closed either
 * before its store or by it. Ten stores are first held open together, and the same readings taken
 * then must show what they hold, so the checks cannot pass for want of anything to release. One
 * store of each kind is opened and closed before the first reading, so that what the JVM keeps once
 * for good (loaded classes, their open jar files, the SQLite native library) is not counted.
 *
 * <p>The registries are read by reflection: their sizes are not part of the API. File descriptors
 * are counted in {@code /proc/self/fd}, so the test needs Linux, and fails elsewhere rather than
 * skip.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResourceReleaseTest {

  private static final int STORES = 5_000;

  /**
   * Threads opening stores at once: opening is mostly waiting for the disk, so a few at a time keep
   * the test well within a minute on two cores.
   */
  private static final int WORKERS = 4;

  /** Stores held open together for the reading that shows the registries in use. */
  private static final int HELD_TOGETHER = 10;

  /** Descriptors the JVM may open meanwhile for itself: class files, logs, the test's own. */
  private static final int FD_TOLERANCE = 20;

  /** Threads the JVM or JUnit may start meanwhile for themselves. */
  private static final int THREAD_TOLERANCE = 3;

  /** Every thread the library starts is named so: {@code settings-guard-feed <database>}. */
  private static final String LIBRARY_THREAD = "settings-guard";

  /** How long the feed threads of closed watches may take to end. */
  private static final long THREADS_END_WITHIN_MILLIS = 5_000;

  private static final Path FD_DIR = Path.of("/proc/self/fd");

  @TempDir Path dir;

  @Test
  void closingFiveThousandStoresReleasesTheirLocksThreadsAndFiles() throws Exception {
    // Not an assumption: a skipped test proves nothing, and CI runs on Linux.
    assertThat(FD_DIR)
        .as("/proc/self/fd, where this test counts descriptors (Linux)")
        .isDirectory();
    for (int kind = 0; kind < Kind.COUNT; kind++) {
      Opened.open(dir.resolve("warm-up-" + kind + ".db"), kind).close();
    }
    Reading before = Reading.settled(Reading.take());
    long start = System.nanoTime();

    List<Opened> held = new ArrayList<>();
    for (int i = 0; i < HELD_TOGETHER; i++) {
      held.add(Opened.open(database(i), i));
    }
    Reading whileOpen = Reading.take();
    held.forEach(Opened::close);
    openAndCloseOnWorkers(HELD_TOGETHER, STORES);
    long closedAt = System.nanoTime();
    Reading after = Reading.settled(before);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    System.out.printf(
        "ResourceReleaseTest: %d stores opened, used and closed in %d ms (threads settled in %d"
            + " ms)%n  before:                 %s%n  with %d stores open:    %s%n  after:"
            + "                  %s%n",
        STORES,
        TimeUnit.NANOSECONDS.toMillis(closedAt - start),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt),
        before,
        HELD_TOGETHER,
        whileOpen,
        after);
    System.out.printf("ResourceReleaseTest: total %d ms%n", elapsedMillis);

    int fileLocked = (int) IntStream.range(0, HELD_TOGETHER).filter(Kind::fileLock).count();
    int fed = (int) IntStream.range(0, HELD_TOGETHER).filter(Kind::hasFeed).count();
    // The readings with stores open: the checks below have something to find.
    assertThat(whileOpen.jvmLocks)
        .as("JvmLockStrategy.LOCKS entries with %d stores open", HELD_TOGETHER)
        .isEqualTo(before.jvmLocks + HELD_TOGETHER);
    assertThat(whileOpen.fileLocks)
        .as("FileLockStrategy.OPEN entries with %d FILE_LOCK stores open", fileLocked)
        .isEqualTo(before.fileLocks + fileLocked);
    assertThat(whileOpen.libraryThreads())
        .as("feed threads with %d watched stores open", fed)
        .hasSize(before.libraryThreads().size() + fed);
    assertThat(whileOpen.fds.size())
        .as("open file descriptors with %d stores open", HELD_TOGETHER)
        .isGreaterThan(before.fds.size() + HELD_TOGETHER);

    // Every leak at once: a store that keeps one thing usually keeps the others too.
    SoftAssertions.assertSoftly(
        softly -> {
          softly
              .assertThat(after.jvmLocks)
              .as(
                  "JvmLockStrategy.LOCKS entries after closing %d stores (%d before, %d with %d open)",
                  STORES, before.jvmLocks, whileOpen.jvmLocks, HELD_TOGETHER)
              .isEqualTo(before.jvmLocks);
          softly
              .assertThat(after.fileLocks)
              .as(
                  "FileLockStrategy.OPEN entries after closing %d stores (%d before, %d with %d open)",
                  STORES, before.fileLocks, whileOpen.fileLocks, HELD_TOGETHER)
              .isEqualTo(before.fileLocks);
          softly
              .assertThat(after.libraryThreads())
              .as(
                  "live %s* threads %d ms after closing %d stores",
                  LIBRARY_THREAD, THREADS_END_WITHIN_MILLIS, STORES)
              .containsExactlyInAnyOrderElementsOf(before.libraryThreads());
          softly
              .assertThat(after.threads.size())
              .as(
                  "live threads after closing %d stores (%d before); started meanwhile: %s",
                  STORES, before.threads.size(), after.threadsStartedSince(before))
              .isLessThanOrEqualTo(before.threads.size() + THREAD_TOLERANCE);
          softly
              .assertThat(after.fds.size())
              .as(
                  "open file descriptors after closing %d stores (%d before); opened meanwhile: %s",
                  STORES, before.fds.size(), after.fdsOpenedSince(before))
              .isLessThanOrEqualTo(before.fds.size() + FD_TOLERANCE);
        });
  }

  /**
   * Opens, uses and closes stores {@code from} to {@code to - 1}, one at a time on each of {@link
   * #WORKERS} threads, which have ended when this returns.
   */
  private void openAndCloseOnWorkers(int from, int to) throws Exception {
    AtomicInteger next = new AtomicInteger(from);
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        done.add(
            workers.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
                    Opened.open(database(i), i).close();
                  }
                  return null;
                }));
      }
      for (Future<?> worker : done) {
        worker.get(); // rethrows a worker's failure
      }
    } finally {
      workers.shutdownNow();
      assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).as("workers ended").isTrue();
    }
  }

  private Path database(int i) {
    return dir.resolve("store-" + i + ".db");
  }

  /**
   * What each store does besides its write and read, chosen by its index: every other one adds
   * {@code FILE_LOCK}; one in ten reads from its cache; one in ten is watched, its watch closed
   * before the store or, every other time, by the store's {@code close()}.
   */
  private static final class Kind {
    static final int COUNT = 20;

    static boolean fileLock(int i) {
      return i % 2 == 1;
    }

    static boolean cachedReads(int i) {
      return i % 10 == 4 || i % 10 == 5;
    }

    static boolean watched(int i) {
      return i % 10 == 2 || i % 10 == 3;
    }

    /** Whether the watch is left to the store's {@code close()}. */
    static boolean watchClosedByStore(int i) {
      return watched(i) && i % 20 >= 10;
    }

    /** Whether the store runs a feed thread while open. */
    static boolean hasFeed(int i) {
      return cachedReads(i) || watched(i);
    }

    private Kind() {}
  }

  /** An open store, written and read once, and its watch if it has one. */
  private record Opened(SettingsStore store, SettingsWatch watch, boolean watchClosedByStore) {

    static Opened open(Path database, int i) throws InterruptedException {
      SettingsConfig.Builder config =
          SettingsConfig.builder().database(database).cachedReads(Kind.cachedReads(i));
      if (Kind.fileLock(i)) {
        config.strategies(Strategy.JVM_LOCK, Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE);
      }
      SettingsStore store = SettingsStores.open(config.build());
      SettingsWatch watch = null;
      CountDownLatch delivered = new CountDownLatch(1);
      if (Kind.watched(i)) {
        watch = store.watch(store.currentRevision(), change -> delivered.countDown());
      }
      store.setSetting("tenant", "t" + i);
      assertThat(store.getActiveProvider()).as("active provider of store %d", i).isEmpty();
      if (watch != null) {
        // The feed's thread has run and opened its signal: there is something to stop.
        assertThat(delivered.await(5, TimeUnit.SECONDS))
            .as("change delivered to the watch of store %d", i)
            .isTrue();
      }
      return new Opened(store, watch, Kind.watchClosedByStore(i));
    }

    void close() {
      if (watch != null && !watchClosedByStore) {
        watch.close();
      }
      store.close();
    }
  }

  /** The registries' sizes, the live threads and the open file descriptors at one moment. */
  private record Reading(
      int jvmLocks, int fileLocks, Map<Long, String> threads, Map<String, String> fds) {

    static Reading take() {
      return new Reading(
          registrySize("dev.settingsguard.locking.internal.JvmLockStrategy", "LOCKS"),
          registrySize("dev.settingsguard.locking.internal.FileLockStrategy", "OPEN"),
          Thread.getAllStackTraces().keySet().stream()
              .collect(Collectors.toMap(Thread::getId, Thread::getName, (a, b) -> a, TreeMap::new)),
          openFds());
    }

    /**
     * Waits, up to {@link #THREADS_END_WITHIN_MILLIS}, for the library's threads and the total to
     * come down to a reference reading's; a feed whose watch closed ends when it next wakes.
     */
    static Reading settled(Reading reference) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(THREADS_END_WITHIN_MILLIS);
      while (true) {
        Reading now = take();
        boolean settled =
            now.libraryThreads().size() <= reference.libraryThreads().size()
                && now.threads.size() <= reference.threads.size();
        if (settled || System.nanoTime() - deadline >= 0) {
          return now;
        }
        Thread.sleep(20);
      }
    }

    List<String> libraryThreads() {
      return threads.values().stream().filter(name -> name.contains(LIBRARY_THREAD)).toList();
    }

    List<String> threadsStartedSince(Reading earlier) {
      return threads.entrySet().stream()
          .filter(thread -> !earlier.threads.containsKey(thread.getKey()))
          .map(Map.Entry::getValue)
          .toList();
    }

    /** The targets of the descriptors opened since, at most 20 of them. */
    List<String> fdsOpenedSince(Reading earlier) {
      return fds.entrySet().stream()
          .filter(fd -> !fd.getValue().equals(earlier.fds.get(fd.getKey())))
          .map(Map.Entry::getValue)
          .limit(20)
          .toList();
    }

    private static int registrySize(String className, String fieldName) {
      try {
        Field registryField = Class.forName(className).getDeclaredField(fieldName);
        registryField.setAccessible(true);
        Object registry = registryField.get(null); // a SharedByStores
        Field entriesField = registry.getClass().getDeclaredField("entries");
        entriesField.setAccessible(true);
        return ((Map<?, ?>) entriesField.get(registry)).size();
      } catch (ReflectiveOperationException failure) {
        throw new AssertionError(
            "Cannot read " + className + "." + fieldName + ".entries: " + failure, failure);
      }
    }

    /** Descriptor number to what it is open on; the listing's own descriptor included. */
    private static Map<String, String> openFds() {
      Map<String, String> fds = new TreeMap<>();
      try (Stream<Path> listing = Files.list(FD_DIR)) {
        for (Path fd : listing.toList()) {
          String target;
          try {
            target = Files.readSymbolicLink(fd).toString();
          } catch (IOException closedMeanwhile) {
            target = "(closed)";
          }
          fds.put(fd.getFileName().toString(), target);
        }
      } catch (IOException failure) {
        throw new UncheckedIOException(failure);
      }
      return fds;
    }

    @Override
    public String toString() {
      return String.format(
          "JVM_LOCK registry %d, FILE_LOCK registry %d, threads %d (%d %s*), open fds %d",
          jvmLocks, fileLocks, threads.size(), libraryThreads().size(), LIBRARY_THREAD, fds.size());
    }
  }
}

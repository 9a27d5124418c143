package dev.settingsguard.stress.internal;

import dev.settingsguard.core.ChangeKind;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What the change feed costs and how fast it is, on the default chain.
 *
 * <p>Delay: a child JVM writes one setting every {@link #WRITE_INTERVAL}, naming its key after the
 * wall-clock time (µs) just before the write; this JVM watches and records, on delivery, the time
 * since. So a delay includes the write itself, and both clocks are the host's one.
 *
 * <p>Cost: ACTIVATE with 16 threads in this JVM, without (A) and with (B) a second store that
 * watches the database, in the order ABBA ABBA, so that a drift of the machine's speed falls on
 * both sides alike. Each run has a new database, seeded alike: on one database each run is slower
 * than the one before (on PostgreSQL, as dead row versions pile up), which no order of runs
 * balances (docs/performance.md).
 */
public final class FeedProbe {

  /** The gap between the writer's writes. */
  static final Duration WRITE_INTERVAL = Duration.ofMillis(20);

  private static final String KEY_PREFIX = "feed.";
  private static final String DONE = "done";
  private static final int COST_THREADS = 16;

  /** ABBA twice. */
  static final int COST_RUNS = 8;

  private static final Duration CHILD_MARGIN = Duration.ofMinutes(1);

  /**
   * What the probe measured.
   *
   * @param delays from just before a write in the child to its delivery here
   * @param written how many timed writes the child made
   * @param withoutWatch ACTIVATE 16 threads' rate without a watch, each run's ops/s
   * @param withWatch the same with a watch open, each run's ops/s
   */
  public record Result(
      LatencyHistogram delays, int written, List<Double> withoutWatch, List<Double> withWatch) {

    /**
     * @return the mean rate with a watch over the mean rate without
     */
    public double costRatio() {
      return mean(withWatch) / mean(withoutWatch);
    }

    private static double mean(List<Double> rates) {
      return rates.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
  }

  private FeedProbe() {}

  /**
   * @param host where to create the probe's database
   * @param synchronous the commit durability, for SQLite
   * @param lockTimeout the bound on each wait for a lock
   * @param writes how many timed writes the child makes
   * @param costWindow how long each ACTIVATE run of the cost measurement is measured
   * @param childMainClass the class whose {@code main} runs {@link #writeAsChild} for {@code
   *     childArguments}
   * @param childArguments its arguments
   * @return what was measured
   * @throws IOException if the child cannot be started
   * @throws InterruptedException if interrupted
   */
  public static Result run(
      DatabaseHost host,
      Synchronous synchronous,
      Duration lockTimeout,
      int writes,
      Duration costWindow,
      String childMainClass,
      List<String> childArguments)
      throws IOException, InterruptedException {
    StressDatabase database = host.create("feed-probe");
    SeedData.write(database, synchronous);
    LatencyHistogram delays =
        measureDelays(database, synchronous, lockTimeout, writes, childMainClass, childArguments);
    List<Double> without = new ArrayList<>();
    List<Double> with = new ArrayList<>();
    // Run -1 only warms the JIT compiler up for this load; it is not counted.
    for (int run = -1; run < COST_RUNS; run++) {
      StressDatabase fresh = host.create("feed-cost-" + (run + 1));
      SeedData.write(fresh, synchronous);
      LoadRequest activate =
          new LoadRequest(
              Contender.DEFAULT,
              Workload.ACTIVATE,
              fresh,
              synchronous,
              lockTimeout,
              COST_THREADS,
              Duration.ofSeconds(1),
              costWindow);
      boolean watched = run % 4 == 1 || run % 4 == 2;
      if (watched) {
        try (SettingsStore watching = Contender.DEFAULT.open(fresh, synchronous, lockTimeout);
            SettingsWatch watch = watching.watch(watching.currentRevision(), change -> {})) {
          with.add(LoadRun.run(activate).opsPerSecond());
        }
      } else if (run >= 0) {
        without.add(LoadRun.run(activate).opsPerSecond());
      } else {
        LoadRun.run(activate);
      }
    }
    return new Result(delays, writes, without, with);
  }

  private static LatencyHistogram measureDelays(
      StressDatabase database,
      Synchronous synchronous,
      Duration lockTimeout,
      int writes,
      String childMainClass,
      List<String> childArguments)
      throws IOException, InterruptedException {
    LatencyHistogram delays = new LatencyHistogram();
    AtomicLong delivered = new AtomicLong();
    try (SettingsStore watching = Contender.DEFAULT.open(database, synchronous, lockTimeout);
        SettingsWatch watch =
            watching.watch(
                watching.currentRevision(),
                change -> {
                  String key = change.settingKey();
                  if (change.kind() == ChangeKind.SETTING_WRITTEN
                      && key != null
                      && key.startsWith(KEY_PREFIX)) {
                    long writtenAt = Long.parseLong(key.substring(KEY_PREFIX.length()));
                    delays.record(TimeUnit.MICROSECONDS.toNanos(nowMicros() - writtenAt));
                    delivered.incrementAndGet();
                  }
                })) {
      try (ChildProcess writer = ChildProcess.launch(childMainClass, childArguments)) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("backend", database.backend().name());
        // On stdin, not the command line, where a password in a URL would show to other users.
        fields.put("database", database.location());
        fields.put("synchronous", synchronous.name());
        fields.put("lockTimeoutMs", Long.toString(lockTimeout.toMillis()));
        fields.put("writes", Integer.toString(writes));
        writer.send(KeyValueLine.format(fields));
        // The writes' pauses, and a minute for the JVM's start, the warm-up and the writes.
        writer.expect(DONE, WRITE_INTERVAL.multipliedBy(writes).plus(CHILD_MARGIN));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (delivered.get() < writes && System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      if (delivered.get() < writes) {
        throw new IllegalStateException(
            "The change feed delivered " + delivered.get() + " of " + writes + " writes");
      }
    }
    return delays;
  }

  /**
   * The child's side: reads one request line, writes, answers {@code done}.
   *
   * @param stdin where the request arrives
   * @param stdout where the answer goes
   * @throws IOException if stdin fails
   * @throws InterruptedException if interrupted between writes
   */
  public static void writeAsChild(InputStream stdin, PrintStream stdout)
      throws IOException, InterruptedException {
    Map<String, String> fields =
        KeyValueLine.parse(
            new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine());
    StressDatabase database =
        new StressDatabase(Backend.valueOf(fields.get("backend")), fields.get("database"));
    Synchronous synchronous = Synchronous.valueOf(fields.get("synchronous"));
    Duration lockTimeout = Duration.ofMillis(Long.parseLong(fields.get("lockTimeoutMs")));
    int writes = Integer.parseInt(fields.get("writes"));
    try (SettingsStore store = Contender.DEFAULT.open(database, synchronous, lockTimeout)) {
      for (int i = 0; i < 200; i++) {
        store.setSetting("feed-warm-up", Integer.toString(i));
      }
      for (int i = 0; i < writes; i++) {
        store.setSetting(KEY_PREFIX + nowMicros(), null);
        TimeUnit.MILLISECONDS.sleep(WRITE_INTERVAL.toMillis());
      }
    } catch (RuntimeException failure) {
      stdout.println(PostgresDatabase.redact(failure.toString()));
      stdout.flush();
      return;
    }
    stdout.println(DONE);
    stdout.flush();
  }

  private static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }
}

package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each contender's code paths, with one thread and with several so that the uncontended path
 * and the contended ones (queued writes, batches, savepoints) both run, round after round until the
 * JIT compiler has settled: a round in which it compiled for less than {@link #SETTLED_PERCENT} %
 * of the round's time. Without it the first cells measure the interpreter and the compiler: a cold
 * JVM runs the default chain at a third of its warm rate, and four child JVMs on two cores spent
 * most of their CPU in the C2 compiler during their first multi-process cells.
 */
final class JitWarmup {

  private static final Logger LOG = LoggerFactory.getLogger(JitWarmup.class);

  /** The load threads of each warm-up run, each for half of its time. */
  private static final List<Integer> THREADS = List.of(1, 4);

  /** How many runs {@link #requests} returns. */
  static final int RUNS_EACH = THREADS.size();

  private static final int SETTLED_PERCENT = 5;

  private JitWarmup() {}

  /**
   * @param host where to create the warm-up's database
   * @param contenders what will be measured
   * @param workloads how it will be exercised
   * @param synchronous the commit durability of the measured cells
   * @param lockTimeout their bound on each wait for a lock
   * @param each how long to run each pair per round
   * @param atMost when to stop even if compilation goes on
   * @return how many rounds ran
   * @throws InterruptedException if interrupted
   */
  static int run(
      DatabaseHost host,
      List<Contender> contenders,
      List<Workload> workloads,
      Synchronous synchronous,
      Duration lockTimeout,
      Duration each,
      Duration atMost)
      throws InterruptedException {
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    StressDatabase database = host.create("warmup");
    SeedData.write(database, synchronous);
    return roundsUntilSettled(
        atMost,
        () -> {
          long compiledBefore = compiler.getTotalCompilationTime();
          long roundStart = System.nanoTime();
          for (LoadRequest request :
              roundRequests(contenders, workloads, database, synchronous, lockTimeout, each)) {
            LoadRun.run(request);
          }
          return new Compilation(
              compiler.getTotalCompilationTime() - compiledBefore,
              (System.nanoTime() - roundStart) / 1_000_000);
        });
  }

  /** How long the compiler ran in one round, summed over the JVMs that ran it, and in what time. */
  record Compilation(long compiledMillis, long roundMillis) {}

  /** One warm-up round, in this JVM or in the children. */
  interface Round {
    /**
     * @return how long the compiler ran during it
     * @throws InterruptedException if interrupted
     */
    Compilation run() throws InterruptedException;
  }

  /**
   * Runs rounds, at least one, until the compiler ran for less than {@link #SETTLED_PERCENT} % of a
   * round's time, or {@code atMost} has passed.
   *
   * @param atMost when to stop even if compilation goes on
   * @param round what one round runs
   * @return how many rounds ran
   * @throws InterruptedException if interrupted
   */
  static int roundsUntilSettled(Duration atMost, Round round) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    int rounds = 0;
    boolean settled;
    do {
      Compilation compilation = round.run();
      rounds++;
      LOG.debug(
          "JIT warm-up round {}: compiled {} ms in {} ms",
          rounds,
          compilation.compiledMillis(),
          compilation.roundMillis());
      settled = compilation.compiledMillis() * 100 < compilation.roundMillis() * SETTLED_PERCENT;
    } while (!settled && System.nanoTime() - deadline < 0);
    return rounds;
  }

  /**
   * The unmeasured warm-up runs of one contender and workload: one per entry of {@link #THREADS},
   * each with that many threads from the first instant, each for its share of the time.
   *
   * @param contender what to run
   * @param workload how
   * @param database a seeded database
   * @param synchronous the commit durability
   * @param lockTimeout the bound on each wait for a lock
   * @param duration how long in all
   * @return the requests, to run one after the other
   */
  static List<LoadRequest> requests(
      Contender contender,
      Workload workload,
      StressDatabase database,
      Synchronous synchronous,
      Duration lockTimeout,
      Duration duration) {
    Duration each = duration.dividedBy(THREADS.size());
    return THREADS.stream()
        .map(
            threads ->
                new LoadRequest(
                    contender,
                    workload,
                    database,
                    synchronous,
                    lockTimeout,
                    threads,
                    Duration.ZERO,
                    each))
        .toList();
  }

  /** Every pair's runs, one after the other; the raw-JDBC baseline runs the ACTIVATE SQL only. */
  private static List<LoadRequest> roundRequests(
      List<Contender> contenders,
      List<Workload> workloads,
      StressDatabase database,
      Synchronous synchronous,
      Duration lockTimeout,
      Duration each) {
    List<LoadRequest> round = new ArrayList<>();
    for (Workload workload : workloads) {
      for (Contender contender : contenders) {
        if (contender.isStore() || workload == Workload.ACTIVATE) {
          round.addAll(requests(contender, workload, database, synchronous, lockTimeout, each));
        }
      }
    }
    return round;
  }
}

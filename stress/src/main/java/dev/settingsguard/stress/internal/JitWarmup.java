package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.Synchronous;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs each contender's code paths, with several threads so the contended paths (queued writes,
 * batches, savepoints) run too, round after round until the JIT compiler has settled: a round in
 * which it compiled for less than {@link #SETTLED_PERCENT} % of the round's time. Without it the
 * first cells measure the interpreter and the compiler: a cold JVM runs the default chain at a
 * third of its warm rate, and four child JVMs on two cores spent most of their CPU in the C2
 * compiler during their first multi-process cells.
 */
final class JitWarmup {

  private static final int THREADS = 4;
  private static final int SETTLED_PERCENT = 5;

  private JitWarmup() {}

  /**
   * @param contenders what will be measured
   * @param workloads how it will be exercised
   * @param each how long to run each pair per round
   * @param atMost when to stop even if compilation goes on
   * @return how many rounds ran
   * @throws InterruptedException if interrupted
   */
  static int run(
      List<Contender> contenders, List<Workload> workloads, Duration each, Duration atMost)
      throws InterruptedException {
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    long deadline = System.nanoTime() + atMost.toNanos();
    Path directory = TempFiles.createDirectory("settings-stress-warmup-");
    try {
      Path database = directory.resolve("warmup.db");
      SeedData.write(database, Synchronous.NORMAL);
      int rounds = 0;
      boolean settled;
      do {
        long compiledBefore = compiler.getTotalCompilationTime();
        long roundStart = System.nanoTime();
        runRound(contenders, workloads, each, database);
        rounds++;
        long compiledMillis = compiler.getTotalCompilationTime() - compiledBefore;
        settled = settled(compiledMillis, (System.nanoTime() - roundStart) / 1_000_000);
      } while (!settled && System.nanoTime() - deadline < 0);
      return rounds;
    } finally {
      TempFiles.deleteTree(directory);
    }
  }

  /**
   * @param compiledMillis how long the compiler ran in a round, summed over the JVMs that ran it
   * @param roundMillis how long the round took
   * @return whether that was little enough to stop warming up
   */
  static boolean settled(long compiledMillis, long roundMillis) {
    return compiledMillis * 100 < roundMillis * SETTLED_PERCENT;
  }

  /**
   * An unmeasured warm-up run: {@link #THREADS} threads from the first instant, so the contended
   * paths run too.
   *
   * @param contender what to run
   * @param workload how
   * @param database a seeded file
   * @param synchronous the commit durability
   * @param lockTimeout the bound on each wait for a lock
   * @param duration how long
   * @return the request
   */
  static LoadRequest request(
      Contender contender,
      Workload workload,
      Path database,
      Synchronous synchronous,
      Duration lockTimeout,
      Duration duration) {
    return new LoadRequest(
        contender, workload, database, synchronous, lockTimeout, THREADS, Duration.ZERO, duration);
  }

  private static void runRound(
      List<Contender> contenders, List<Workload> workloads, Duration each, Path database)
      throws InterruptedException {
    for (Workload workload : workloads) {
      for (Contender contender : contenders) {
        if (contender.isStore() || workload == Workload.ACTIVATE) {
          LoadRun.run(
              request(
                  contender, workload, database, Synchronous.NORMAL, Duration.ofSeconds(5), each));
        }
      }
    }
  }
}

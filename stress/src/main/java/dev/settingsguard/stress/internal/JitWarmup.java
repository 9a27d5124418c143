package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.Synchronous;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs each contender's code paths briefly before anything is measured. Without it the first cells
 * of a run measure the interpreter and the JIT compiler: a cold JVM runs the default chain at a
 * third of its warm rate for the first second or two.
 */
final class JitWarmup {

  private JitWarmup() {}

  /**
   * @param contenders what will be measured
   * @param workloads how it will be exercised
   * @param each how long to run each pair, one thread
   * @throws InterruptedException if interrupted
   */
  static void run(List<Contender> contenders, List<Workload> workloads, Duration each)
      throws InterruptedException {
    Path directory = TempFiles.createDirectory("settings-stress-warmup-");
    try {
      Path database = directory.resolve("warmup.db");
      SeedData.write(database, Synchronous.NORMAL);
      for (Workload workload : workloads) {
        for (Contender contender : contenders) {
          if (contender.isStore() || workload == Workload.ACTIVATE) {
            LoadRun.run(
                new LoadRequest(
                    contender,
                    workload,
                    database,
                    Synchronous.NORMAL,
                    Duration.ofSeconds(5),
                    4,
                    Duration.ZERO,
                    each));
          }
        }
      }
    } finally {
      TempFiles.deleteTree(directory);
    }
  }
}

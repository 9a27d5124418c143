package dev.settingsguard.stress.internal;

import java.io.PrintStream;
import java.util.Locale;

/** The run's results as plain-text tables. */
public final class ConsoleReport {

  private static final String ROW =
      "%-8s  %-22s  %5s  %7s  %10s  %8s  %8s  %8s  %7s  %7s  %6s  %s%n";

  private ConsoleReport() {}

  /**
   * @param report what the run measured
   * @param out where to print
   */
  public static void print(StressReport report, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "settings-guard stress run on %s: %s; %s; %s per cell after %s warm-up%s%n%n",
        report.plan().backend().displayName(),
        report.database(),
        report.host(),
        StressReport.duration(report.plan().duration()),
        StressReport.duration(report.plan().warmup()),
        report.plan().backend() == Backend.SQLITE
            ? ", synchronous=" + report.plan().synchronous()
            : "");
    out.printf(
        Locale.ROOT,
        ROW,
        "WORKLOAD",
        "CONTENDER",
        "PROCS",
        "THREADS",
        "OPS/S",
        "P50 ms",
        "P99 ms",
        "MAX ms",
        "BUSY",
        "FAILED",
        "JIT ms",
        "INVARIANT");
    for (CellResult result : report.results()) {
      LoadResult load = result.load();
      out.printf(
          Locale.ROOT,
          ROW,
          result.cell().workload(),
          result.cell().contender(),
          result.cell().processes(),
          result.cell().threads(),
          String.format(Locale.ROOT, "%,.0f", load.opsPerSecond()),
          StressReport.millis(load.latencies().percentileNanos(50)),
          StressReport.millis(load.latencies().percentileNanos(99)),
          StressReport.millis(load.latencies().maxNanos()),
          load.busy(),
          load.failed(),
          load.compileMillis(),
          StressReport.watchSummary(result));
    }
    out.println();
    out.println("Targets:");
    for (Targets.Check check : report.targets()) {
      out.printf(
          Locale.ROOT, "  %-4s  %-72s  %s%n", check.verdict(), check.name(), check.measured());
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "Invariant: %s. Wall time %ds.%n",
        report.brokenPromise()
            ? "BROKEN by a contender that promises it"
            : "kept wherever promised",
        report.wallTime().toSeconds());
  }
}

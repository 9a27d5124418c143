package dev.settingsguard.stress.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The performance targets, each computed from cells measured side by side in one run. They are
 * reported, never asserted in tests: on a shared two-core machine they are measurements, not facts.
 */
public final class Targets {

  /**
   * One target's verdict.
   *
   * @param name what is required
   * @param measured the numbers it was judged on, or why it could not be
   * @param verdict PASS, FAIL or N/A (its cells were not part of the run)
   */
  public record Check(String name, String measured, String verdict) {
    static Check of(String name, String measured, boolean passed) {
      return new Check(name, measured, passed ? "PASS" : "FAIL");
    }

    static Check notRun(String name) {
      return new Check(name, "cells not in this run", "N/A");
    }
  }

  private static final double MS = 1e6;

  private Targets() {}

  /**
   * @param results every measured cell
   * @param probe the read probe's result, or {@code null} if it did not run
   * @return the targets, in the order they are specified
   */
  public static List<Check> evaluate(List<CellResult> results, ReadProbe.Result probe) {
    List<Check> checks = new ArrayList<>();
    checks.add(activateOverhead(results));
    for (Workload workload : Workload.values()) {
      checks.add(threadScaling(results, workload));
      checks.add(processScaling(results, workload));
    }
    checks.add(readsDuringWriteLock(probe));
    return checks;
  }

  private static Check activateOverhead(List<CellResult> results) {
    String name = "ACTIVATE 1 thread: DEFAULT >= 0.8 x RAW_JDBC";
    Optional<CellResult> library = find(results, Workload.ACTIVATE, Contender.DEFAULT, 1, 1);
    Optional<CellResult> raw = find(results, Workload.ACTIVATE, Contender.RAW_JDBC, 1, 1);
    if (library.isEmpty() || raw.isEmpty()) {
      return Check.notRun(name);
    }
    double ratio = library.get().load().opsPerSecond() / raw.get().load().opsPerSecond();
    return Check.of(
        name,
        format(
            "%.2f (%,.0f vs %,.0f ops/s)",
            ratio, library.get().load().opsPerSecond(), raw.get().load().opsPerSecond()),
        ratio >= 0.8);
  }

  private static Check threadScaling(List<CellResult> results, Workload workload) {
    String name =
        workload + " DEFAULT 16 threads: >= 0.9 x its 1 thread, p99 <= 5 ms, max <= 100 ms";
    Optional<CellResult> one = find(results, workload, Contender.DEFAULT, 1, 1);
    Optional<CellResult> sixteen = find(results, workload, Contender.DEFAULT, 1, 16);
    if (one.isEmpty() || sixteen.isEmpty()) {
      return Check.notRun(name);
    }
    double ratio = sixteen.get().load().opsPerSecond() / one.get().load().opsPerSecond();
    LatencyHistogram latencies = sixteen.get().load().latencies();
    double p99 = latencies.percentileNanos(99) / MS;
    double max = latencies.maxNanos() / MS;
    return Check.of(
        name,
        format("%.2f, p99 %.2f ms, max %.1f ms", ratio, p99, max),
        ratio >= 0.9 && p99 <= 5 && max <= 100);
  }

  private static Check processScaling(List<CellResult> results, Workload workload) {
    String name = workload + " DEFAULT 4x4: >= 0.5 x 1x16, max <= 500 ms, invariant kept";
    Optional<CellResult> processes = find(results, workload, Contender.DEFAULT, 4, 16);
    Optional<CellResult> threads = find(results, workload, Contender.DEFAULT, 1, 16);
    if (processes.isEmpty() || threads.isEmpty()) {
      return Check.notRun(name);
    }
    double ratio = processes.get().load().opsPerSecond() / threads.get().load().opsPerSecond();
    double max = processes.get().load().latencies().maxNanos() / MS;
    boolean kept = processes.get().watch().clean();
    return Check.of(
        name,
        format("%.2f, max %.1f ms, %s", ratio, max, kept ? "kept" : "BROKEN"),
        ratio >= 0.5 && max <= 500 && kept);
  }

  private static Check readsDuringWriteLock(ReadProbe.Result probe) {
    String name = "Reads while another connection holds the write lock: p99 <= 2 ms";
    if (probe == null) {
      return Check.notRun(name);
    }
    double p99 = probe.latencies().percentileNanos(99) / MS;
    return Check.of(
        name,
        format(
            "%d reads, p99 %.3f ms, max %.2f ms, %s",
            probe.reads(),
            p99,
            probe.latencies().maxNanos() / MS,
            probe.allWhileHeld() ? "all within the hold" : "NOT all within the hold"),
        p99 <= 2 && probe.allWhileHeld());
  }

  private static Optional<CellResult> find(
      List<CellResult> results,
      Workload workload,
      Contender contender,
      int processes,
      int threads) {
    return results.stream()
        .filter(r -> r.cell().equals(new Cell(workload, contender, processes, threads)))
        .findFirst();
  }

  private static String format(String pattern, Object... arguments) {
    return String.format(Locale.ROOT, pattern, arguments);
  }
}

package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The performance targets of each backend, each computed from cells measured side by side in one
 * run. They are reported, never asserted in tests: on a shared two-core machine they are
 * measurements, not facts.
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

    static Check notRun(String name, String why) {
      return new Check(name, why, "N/A");
    }
  }

  private static final String CELLS_MISSING = "cells not in this run";
  private static final double MS = 1e6;

  private Targets() {}

  /**
   * @param plan what was run: the backend and the durability decide which targets apply
   * @param results every measured cell
   * @param probe the read probe's result, or {@code null} if it did not run
   * @param feed the feed probe's result, or {@code null} if it did not run
   * @return the targets, in the order they are specified
   */
  public static List<Check> evaluate(
      StressRun.Plan plan,
      List<CellResult> results,
      ReadProbe.Result probe,
      FeedProbe.Result feed) {
    Cells cells = new Cells(results);
    List<Check> checks = new ArrayList<>();
    checks.add(cells.ratio("ACTIVATE 1 thread: DEFAULT >= 0.8 x RAW_JDBC", 1, 1, 0.8));
    if (plan.backend() == Backend.SQLITE) {
      for (Workload workload : Workload.values()) {
        checks.add(threadScaling(cells, workload));
        checks.add(processScaling(cells, workload));
      }
      checks.add(
          plan.synchronous() == Synchronous.FULL
              ? cells.ratio("ACTIVATE 16 threads: DEFAULT >= 5 x RAW_JDBC (--sync FULL)", 1, 16, 5)
              : Check.notRun(
                  "ACTIVATE 16 threads: DEFAULT >= 5 x RAW_JDBC (--sync FULL)",
                  "runs with --sync FULL"));
      checks.add(readsDuringWriteLock(probe, "another connection holds the write lock"));
      checks.add(feedDelay(feed, 50));
    } else {
      checks.add(postgresThreads(cells));
      checks.add(postgresMachines(cells));
      checks.add(readsDuringWriteLock(probe, "another session holds the advisory lock"));
      checks.add(feedDelay(feed, 20));
    }
    checks.add(feedCost(feed));
    return checks;
  }

  private static Check feedDelay(FeedProbe.Result feed, double p99Millis) {
    String name =
        "Change feed: another process's commit delivered here, p99 <= " + (int) p99Millis + " ms";
    if (feed == null) {
      return Check.notRun(name, "--feed-writes 0");
    }
    LatencyHistogram delays = feed.delays();
    double p99 = delays.percentileNanos(99) / MS;
    return Check.of(
        name,
        format(
            "%d writes, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
            feed.written(), delays.percentileNanos(50) / MS, p99, delays.maxNanos() / MS),
        p99 <= p99Millis);
  }

  private static Check feedCost(FeedProbe.Result feed) {
    String name = "ACTIVATE DEFAULT 16 threads with a watch open: >= 0.9 x without";
    if (feed == null) {
      return Check.notRun(name, "--feed-writes 0");
    }
    double ratio = feed.costRatio();
    return Check.of(
        name,
        format(
            "%.2f (%s vs %s ops/s)",
            ratio,
            feed.withWatch().stream().map(rate -> format("%,.0f", rate)).toList(),
            feed.withoutWatch().stream().map(rate -> format("%,.0f", rate)).toList()),
        ratio >= 0.9);
  }

  private static Check threadScaling(Cells cells, Workload workload) {
    String name =
        workload + " DEFAULT 16 threads: >= 0.9 x its 1 thread, p99 <= 5 ms, max <= 100 ms";
    Optional<CellResult> one = cells.find(workload, Contender.DEFAULT, 1, 1);
    Optional<CellResult> sixteen = cells.find(workload, Contender.DEFAULT, 1, 16);
    if (one.isEmpty() || sixteen.isEmpty()) {
      return Check.notRun(name, CELLS_MISSING);
    }
    double ratio = rate(sixteen.get()) / rate(one.get());
    Verdict latencies = latenciesWithin(sixteen.get(), 5, 100);
    return Check.of(
        name, format("%.2f", ratio) + latencies.figures(), ratio >= 0.9 && latencies.passed());
  }

  private static Check processScaling(Cells cells, Workload workload) {
    String name = workload + " DEFAULT 4x4: >= 0.5 x 1x16, max <= 500 ms, invariant kept";
    Optional<CellResult> processes = cells.find(workload, Contender.DEFAULT, 4, 16);
    Optional<CellResult> threads = cells.find(workload, Contender.DEFAULT, 1, 16);
    if (processes.isEmpty() || threads.isEmpty()) {
      return Check.notRun(name, CELLS_MISSING);
    }
    double ratio = rate(processes.get()) / rate(threads.get());
    double max = processes.get().load().latencies().maxNanos() / MS;
    boolean kept = processes.get().watch().clean();
    return Check.of(
        name,
        format("%.2f, max %.1f ms, %s", ratio, max, kept ? "kept" : "BROKEN"),
        ratio >= 0.5 && max <= 500 && kept);
  }

  private static Check postgresThreads(Cells cells) {
    return cells.againstBaseline(
        "ACTIVATE 16 threads: DEFAULT >= 2 x RAW_JDBC, p99 <= 25 ms, max <= 250 ms",
        1,
        16,
        2,
        library -> latenciesWithin(library, 25, 250));
  }

  private static Check postgresMachines(Cells cells) {
    return cells.againstBaseline(
        "ACTIVATE 4x16: DEFAULT >= 1.5 x RAW_JDBC, nothing failed, invariant kept",
        4,
        64,
        1.5,
        library -> {
          LoadResult load = library.load();
          boolean kept = library.watch().clean();
          return new Verdict(
              format(
                  ", %d busy, %d failed, %s", load.busy(), load.failed(), kept ? "kept" : "BROKEN"),
              load.busy() == 0 && load.failed() == 0 && kept);
        });
  }

  /** The cell's 99th percentile and maximum latency, against their bounds in milliseconds. */
  private static Verdict latenciesWithin(CellResult cell, double p99Bound, double maxBound) {
    LatencyHistogram latencies = cell.load().latencies();
    double p99 = latencies.percentileNanos(99) / MS;
    double max = latencies.maxNanos() / MS;
    return new Verdict(
        format(", p99 %.2f ms, max %.1f ms", p99, max), p99 <= p99Bound && max <= maxBound);
  }

  private static Check readsDuringWriteLock(ReadProbe.Result probe, String holder) {
    String name = "Reads while " + holder + ": p99 <= 2 ms";
    if (probe == null) {
      return Check.notRun(name, "--probe-hold 0");
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

  private static double rate(CellResult result) {
    return result.load().opsPerSecond();
  }

  private static String format(String pattern, Object... arguments) {
    return String.format(Locale.ROOT, pattern, arguments);
  }

  /** The run's cells, looked up by what they measured. */
  private record Cells(List<CellResult> results) {
    Optional<CellResult> find(Workload workload, Contender contender, int processes, int threads) {
      return results.stream()
          .filter(r -> r.cell().equals(new Cell(workload, contender, processes, threads)))
          .findFirst();
    }

    /** ACTIVATE, DEFAULT against RAW_JDBC in the same shape. */
    Check ratio(String name, int processes, int threads, double atLeast) {
      return againstBaseline(name, processes, threads, atLeast, library -> Verdict.NOTHING_MORE);
    }

    /**
     * ACTIVATE, DEFAULT against RAW_JDBC in the same shape, and whatever else the target asks of
     * the library's cell.
     */
    Check againstBaseline(
        String name,
        int processes,
        int threads,
        double atLeast,
        Function<CellResult, Verdict> alsoRequired) {
      Optional<CellResult> library = find(Workload.ACTIVATE, Contender.DEFAULT, processes, threads);
      Optional<CellResult> raw = find(Workload.ACTIVATE, Contender.RAW_JDBC, processes, threads);
      if (library.isEmpty() || raw.isEmpty()) {
        return Check.notRun(name, CELLS_MISSING);
      }
      double ratio = rate(library.get()) / rate(raw.get());
      Verdict also = alsoRequired.apply(library.get());
      return Check.of(
          name,
          format("%.2f (%,.0f vs %,.0f ops/s)", ratio, rate(library.get()), rate(raw.get()))
              + also.figures(),
          ratio >= atLeast && also.passed());
    }
  }

  /** What a target requires beside a ratio: the figures to show, and whether they pass. */
  private record Verdict(String figures, boolean passed) {
    static final Verdict NOTHING_MORE = new Verdict("", true);
  }
}

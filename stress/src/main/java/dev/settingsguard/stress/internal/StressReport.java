package dev.settingsguard.stress.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Everything one run measured, for the console table and the HTML report.
 *
 * @param plan what was run
 * @param results one per cell, in run order
 * @param probe the read probe's result, or {@code null} if skipped
 * @param targets the performance targets' verdicts
 * @param host the machine and JVM, in one line
 * @param database the backend and where its databases were, in one line
 * @param startedAt when the run began
 * @param wallTime how long the whole run took
 */
public record StressReport(
    StressRun.Plan plan,
    List<CellResult> results,
    ReadProbe.Result probe,
    List<Targets.Check> targets,
    String host,
    String database,
    Instant startedAt,
    Duration wallTime) {

  /**
   * @return this machine and JVM in one line
   */
  public static String describeHost() {
    return String.format(
        Locale.ROOT,
        "%d cores, %s %s, %s %s",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        System.getProperty("os.name"),
        System.getProperty("os.arch"));
  }

  /**
   * @return whether any contender broke the invariant where it promises to keep it
   */
  public boolean brokenPromise() {
    return results.stream().anyMatch(CellResult::brokenPromise);
  }

  /**
   * @param nanos a latency
   * @return it in milliseconds, three significant digits
   */
  static String millis(long nanos) {
    double ms = nanos / 1e6;
    if (ms >= 100) {
      return String.format(Locale.ROOT, "%.0f", ms);
    }
    return String.format(Locale.ROOT, ms >= 10 ? "%.1f" : ms >= 1 ? "%.2f" : "%.3f", ms);
  }

  /**
   * @param duration a duration
   * @return it as {@code 300ms}, {@code 2s} or {@code 1.5s}
   */
  public static String duration(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 1000) {
      return millis + "ms";
    }
    return new BigDecimal(millis).movePointLeft(3).stripTrailingZeros().toPlainString() + "s";
  }

  /**
   * @param result a measured cell
   * @return what the watcher saw, briefly: {@code ok}, or how many polls saw it broken
   */
  static String watchSummary(CellResult result) {
    InvariantWatcher.Watch watch = result.watch();
    if (watch.clean()) {
      return "ok";
    }
    String during =
        watch.violations() == 0
            ? ""
            : watch.violations() + "/" + watch.polls() + " polls (" + watch.firstViolation() + ")";
    String after = watch.last().keepsInvariant() ? "" : "end: " + watch.last();
    String summary = during.isEmpty() || after.isEmpty() ? during + after : during + "; " + after;
    return (result.brokenPromise() ? "BROKEN " : "broken, expected: ") + summary;
  }
}

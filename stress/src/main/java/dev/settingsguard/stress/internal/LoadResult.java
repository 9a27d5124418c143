package dev.settingsguard.stress.internal;

import static dev.settingsguard.stress.internal.KeyValueLine.required;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the load threads of one or more processes did in the measured window.
 *
 * @param opsPerSecond completed operations per second; summed over processes
 * @param operations completed operations
 * @param busy operations refused for a lock timeout
 * @param failed operations that failed otherwise
 * @param latencies the latency of every attempt, completed or not
 * @param compileMillis how long the JIT compiler ran during the window, summed over processes: a
 *     cell in which it ran for long measured the compiler as much as the contender
 */
public record LoadResult(
    double opsPerSecond,
    long operations,
    long busy,
    long failed,
    LatencyHistogram latencies,
    long compileMillis) {

  /**
   * @param results one per process, each over its own window
   * @return their sum: rates add up, histograms merge
   */
  public static LoadResult merge(List<LoadResult> results) {
    LatencyHistogram latencies = new LatencyHistogram();
    double rate = 0;
    long operations = 0;
    long busy = 0;
    long failed = 0;
    long compileMillis = 0;
    for (LoadResult result : results) {
      rate += result.opsPerSecond;
      operations += result.operations;
      busy += result.busy;
      failed += result.failed;
      latencies.add(result.latencies);
      compileMillis += result.compileMillis;
    }
    return new LoadResult(rate, operations, busy, failed, latencies, compileMillis);
  }

  /**
   * @param millis the JIT compiler's time in the window, measured by the process
   * @return this result with that compile time
   */
  LoadResult withCompileMillis(long millis) {
    return new LoadResult(opsPerSecond, operations, busy, failed, latencies, millis);
  }

  String toLine() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("opsPerSecond", Double.toString(opsPerSecond));
    fields.put("operations", Long.toString(operations));
    fields.put("busy", Long.toString(busy));
    fields.put("failed", Long.toString(failed));
    fields.put("latencies", latencies.encode());
    fields.put("compileMillis", Long.toString(compileMillis));
    return KeyValueLine.format(fields);
  }

  static LoadResult fromLine(String line) {
    Map<String, String> fields = KeyValueLine.parse(line);
    return new LoadResult(
        Double.parseDouble(required(fields, "opsPerSecond")),
        Long.parseLong(required(fields, "operations")),
        Long.parseLong(required(fields, "busy")),
        Long.parseLong(required(fields, "failed")),
        LatencyHistogram.decode(required(fields, "latencies")),
        Long.parseLong(required(fields, "compileMillis")));
  }
}

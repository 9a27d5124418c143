package dev.settingsguard.stress.internal;

import static dev.settingsguard.stress.internal.SvgChart.escape;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The run's results as one self-contained HTML file: charts drawn as inline SVG, no script, no
 * network, so it opens anywhere and can be attached to a CI run.
 */
public final class HtmlReport {

  private static final String[] COLORS = {
    "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#1f77b4", "#7f7f7f"
  };
  private static final String[] PERCENTILE_COLORS = {"#9ecae1", "#3182bd", "#08519c"};
  private static final int LATENCY_THREADS = 16;

  private HtmlReport() {}

  /**
   * @param report what the run measured
   * @param file where to write; its directory must exist
   * @throws IOException if the file cannot be written
   */
  public static void write(StressReport report, Path file) throws IOException {
    Files.writeString(file, render(report), StandardCharsets.UTF_8);
  }

  static String render(StressReport report) {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>")
        .append(
            fmt(
                "<title>settings-guard stress report: %s</title><style>",
                report.plan().backend().displayName()))
        .append("body{font-family:sans-serif;margin:24px;color:#222}")
        .append("table{border-collapse:collapse;font-size:13px;margin:8px 0 20px}")
        .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
        .append("td.l,th.l{text-align:left}.PASS{color:#1a7f37}.FAIL,.BROKEN{color:#c62828;")
        .append("font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:12px}")
        .append("</style></head><body>");
    html.append(
        fmt("<h1>settings-guard stress report: %s</h1>", report.plan().backend().displayName()));
    html.append(
        fmt(
            "<p>%s. %s. Started %s, wall time %d s. %s measured per cell after %s warm-up;"
                + "%s lock timeout %s.</p>",
            escape(report.database()),
            escape(report.host()),
            report.startedAt(),
            report.wallTime().toSeconds(),
            StressReport.duration(report.plan().duration()),
            StressReport.duration(report.plan().warmup()),
            report.plan().backend() == Backend.SQLITE
                ? " synchronous=" + report.plan().synchronous() + ";"
                : "",
            StressReport.duration(report.plan().lockTimeout())));
    html.append("<ul>");
    for (Workload workload : Workload.values()) {
      html.append(fmt("<li><b>%s</b>: %s</li>", workload, escape(workload.description())));
    }
    html.append("</ul>");
    targets(report, html);
    charts(report, html);
    table(report, html);
    return html.append("</body></html>").toString();
  }

  private static void targets(StressReport report, StringBuilder html) {
    html.append("<h2>Targets</h2><table><tr><th>verdict</th><th class='l'>target</th>")
        .append("<th class='l'>measured</th></tr>");
    for (Targets.Check check : report.targets()) {
      html.append(
          fmt(
              "<tr><td class='%s'>%s</td><td class='l'>%s</td><td class='l'>%s</td></tr>",
              check.verdict(), check.verdict(), escape(check.name()), escape(check.measured())));
    }
    html.append("</table>");
  }

  private static void charts(StressReport report, StringBuilder html) {
    html.append("<h2>Throughput against threads</h2><div class='charts'>");
    for (Workload workload : Workload.values()) {
      for (int processes : distinct(report.results(), r -> r.cell().processes())) {
        throughputChart(report, workload, processes).ifPresent(html::append);
      }
    }
    html.append("</div><h2>Latency percentiles per contender</h2><div class='charts'>");
    for (Workload workload : Workload.values()) {
      latencyChart(report, workload).ifPresent(html::append);
    }
    html.append("</div>");
  }

  private static Optional<String> throughputChart(
      StressReport report, Workload workload, int processes) {
    List<CellResult> cells =
        report.results().stream()
            .filter(r -> r.cell().workload() == workload && r.cell().processes() == processes)
            .toList();
    if (cells.isEmpty()) {
      return Optional.empty();
    }
    List<Integer> threads = distinct(cells, r -> r.cell().threads());
    List<SvgChart.Series> series = new ArrayList<>();
    for (Contender contender : Contender.values()) {
      double[] values = new double[threads.size()];
      boolean any = false;
      for (int i = 0; i < threads.size(); i++) {
        int count = threads.get(i);
        values[i] =
            cells.stream()
                .filter(r -> r.cell().contender() == contender && r.cell().threads() == count)
                .mapToDouble(r -> r.load().opsPerSecond())
                .findFirst()
                .orElse(Double.NaN);
        any |= !Double.isNaN(values[i]);
      }
      if (any) {
        series.add(new SvgChart.Series(contender.name(), color(contender), values));
      }
    }
    return Optional.of(
        SvgChart.lines(
            fmt("%s, %d process%s", workload, processes, processes == 1 ? "" : "es"),
            "threads in all",
            "operations per second",
            threads.stream().map(String::valueOf).toList(),
            series));
  }

  /** At 16 threads in one process, or the largest thread count measured below that. */
  private static Optional<String> latencyChart(StressReport report, Workload workload) {
    List<CellResult> single =
        report.results().stream()
            .filter(r -> r.cell().workload() == workload && r.cell().processes() == 1)
            .toList();
    Optional<Integer> threads =
        distinct(single, r -> r.cell().threads()).stream()
            .filter(t -> t <= LATENCY_THREADS)
            .reduce((a, b) -> b);
    if (threads.isEmpty()) {
      return Optional.empty();
    }
    List<CellResult> cells =
        single.stream().filter(r -> r.cell().threads() == threads.get()).toList();
    double[][] values = new double[3][cells.size()];
    for (int i = 0; i < cells.size(); i++) {
      LatencyHistogram latencies = cells.get(i).load().latencies();
      values[0][i] = latencies.percentileNanos(50) / 1e6;
      values[1][i] = latencies.percentileNanos(99) / 1e6;
      values[2][i] = latencies.maxNanos() / 1e6;
    }
    String[] names = {"p50", "p99", "max"};
    List<SvgChart.Series> series = new ArrayList<>();
    for (int k = 0; k < names.length; k++) {
      series.add(new SvgChart.Series(names[k], PERCENTILE_COLORS[k], values[k]));
    }
    return Optional.of(
        SvgChart.logBars(
            fmt("%s latency, %d threads, 1 process", workload, threads.get()),
            "milliseconds (log scale)",
            cells.stream().map(r -> r.cell().contender().name()).toList(),
            series));
  }

  private static void table(StressReport report, StringBuilder html) {
    html.append("<h2>All cells</h2><table><tr><th class='l'>workload</th>")
        .append("<th class='l'>contender</th><th>processes</th><th>threads</th><th>ops/s</th>")
        .append("<th>p50 ms</th><th>p99 ms</th><th>max ms</th><th>busy</th><th>failed</th>")
        .append("<th>JIT ms</th>")
        .append("<th>watcher polls</th><th class='l'>invariant</th></tr>");
    for (CellResult result : report.results()) {
      LoadResult load = result.load();
      String watch = StressReport.watchSummary(result);
      html.append(
          fmt(
              "<tr><td class='l'>%s</td><td class='l'>%s</td><td>%d</td><td>%d</td>"
                  + "<td>%,.0f</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td>"
                  + "<td>%d</td><td>%d</td><td class='l %s'>%s</td></tr>",
              result.cell().workload(),
              result.cell().contender(),
              result.cell().processes(),
              result.cell().threads(),
              load.opsPerSecond(),
              StressReport.millis(load.latencies().percentileNanos(50)),
              StressReport.millis(load.latencies().percentileNanos(99)),
              StressReport.millis(load.latencies().maxNanos()),
              load.busy(),
              load.failed(),
              load.compileMillis(),
              result.watch().polls(),
              result.brokenPromise() ? "BROKEN" : "",
              escape(watch)));
    }
    html.append("</table>");
    if (report.probe() != null) {
      ReadProbe.Result probe = report.probe();
      html.append(
          fmt(
              "<h2>Reads while the write lock is held</h2><p>%d reads through the default chain"
                  + " while another connection held <code>BEGIN IMMEDIATE</code> for %s:"
                  + " p50 %s ms, p99 %s ms, max %s ms; %s.</p>",
              probe.reads(),
              StressReport.duration(probe.hold()),
              StressReport.millis(probe.latencies().percentileNanos(50)),
              StressReport.millis(probe.latencies().percentileNanos(99)),
              StressReport.millis(probe.latencies().maxNanos()),
              probe.allWhileHeld() ? "all finished while it was held" : "NOT all within it"));
    }
  }

  private static String color(Contender contender) {
    return COLORS[contender.ordinal() % COLORS.length];
  }

  private static List<Integer> distinct(List<CellResult> results, ToIntFunction<CellResult> key) {
    return results.stream().mapToInt(key).distinct().sorted().boxed().toList();
  }

  private static String fmt(String pattern, Object... arguments) {
    return String.format(Locale.ROOT, pattern, arguments);
  }
}

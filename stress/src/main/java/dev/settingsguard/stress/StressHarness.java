package dev.settingsguard.stress;

import dev.settingsguard.jdbi.SecretKeys;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.stress.internal.Backend;
import dev.settingsguard.stress.internal.Cell;
import dev.settingsguard.stress.internal.CellResult;
import dev.settingsguard.stress.internal.ChildWorker;
import dev.settingsguard.stress.internal.ConsoleReport;
import dev.settingsguard.stress.internal.Contender;
import dev.settingsguard.stress.internal.DatabaseHost;
import dev.settingsguard.stress.internal.FeedProbe;
import dev.settingsguard.stress.internal.HtmlReport;
import dev.settingsguard.stress.internal.LoadResult;
import dev.settingsguard.stress.internal.ReadProbe;
import dev.settingsguard.stress.internal.StressReport;
import dev.settingsguard.stress.internal.StressRun;
import dev.settingsguard.stress.internal.Targets;
import dev.settingsguard.stress.internal.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The stress harness: measures every concurrency strategy of a backend, and a raw-JDBC baseline,
 * across thread and process counts on temporary SQLite files or PostgreSQL schemas, while a
 * separate reader watches the invariant. Prints a table to stdout, progress to stderr, and writes
 * an HTML report with charts.
 *
 * <p>Exit code 0 when every contender kept the invariant wherever it promises to, 1 when one did
 * not, 2 for bad options. Missed performance targets are reported, not turned into a failure.
 */
@Command(
    name = "settings-stress",
    mixinStandardHelpOptions = true,
    version = "settings-stress 0.1.0",
    sortOptions = false,
    description =
        "Measures each concurrency strategy of settings-guard under threads and processes,"
            + " beside a raw-JDBC baseline, and watches the single-active-provider invariant.",
    subcommands = {
      StressHarness.Worker.class,
      StressHarness.FeedWriter.class,
      StressHarness.NewKeyset.class
    })
public final class StressHarness implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(StressHarness.class);

  @Spec private CommandSpec spec;

  @Option(
      names = "--backend",
      defaultValue = "sqlite",
      converter = BackendConverter.class,
      description = "sqlite or postgres. Default: ${DEFAULT-VALUE}.")
  private Backend backend;

  @Option(
      names = "--postgres-url",
      defaultValue = "${env:SETTINGS_GUARD_POSTGRES_URL}",
      description =
          "JDBC URL of a database in which the run may create schemas; a URL with a password is"
              + " better given in the environment variable SETTINGS_GUARD_POSTGRES_URL, which"
              + " other users cannot read as they can a command line. Default: a throwaway local"
              + " server, started from this machine's PostgreSQL binaries and stopped at the end.")
  private String postgresUrl;

  @Option(
      names = "--strategies",
      split = ",",
      description = "What to measure: ${COMPLETION-CANDIDATES}. Default: all of the backend's.")
  private List<Contender> contenders;

  @Option(
      names = "--workloads",
      split = ",",
      defaultValue = "ACTIVATE,MIX",
      description =
          "ACTIVATE: only setActiveProvider; MIX: mostly reads. Default: ${DEFAULT-VALUE}.")
  private List<Workload> workloads;

  @Option(
      names = "--threads",
      split = ",",
      defaultValue = "1,4,16,64",
      description = "Load threads in all, split over the processes. Default: ${DEFAULT-VALUE}.")
  private List<Integer> threads;

  @Option(
      names = "--processes",
      split = ",",
      defaultValue = "1,4",
      description = "Processes sharing the file; >1 starts child JVMs. Default: ${DEFAULT-VALUE}.")
  private List<Integer> processes;

  @Option(
      names = "--duration",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description = "Measured time per cell, e.g. 1s, 500ms. Default: ${DEFAULT-VALUE}.")
  private Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "200ms",
      converter = DurationConverter.class,
      description = "Unmeasured time before each cell. Default: ${DEFAULT-VALUE}.")
  private Duration warmup;

  @Option(
      names = "--sync",
      description = "SQLite's synchronous level: ${COMPLETION-CANDIDATES}. Default: NORMAL.")
  private Synchronous synchronous;

  @Option(
      names = "--lock-timeout",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "Bound on each wait for a lock. Default: ${DEFAULT-VALUE}.")
  private Duration lockTimeout;

  @Option(
      names = "--probe-hold",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description =
          "How long the read probe holds the write lock; 0 skips the probe. Default: ${DEFAULT-VALUE}.")
  private Duration probeHold;

  @Option(
      names = "--probe-reads",
      defaultValue = "1000",
      description = "Reads timed by the probe. Default: ${DEFAULT-VALUE}.")
  private int probeReads;

  @Option(
      names = "--feed-writes",
      defaultValue = "500",
      description =
          "Writes of another process whose delivery the feed probe times, one per 20 ms; 0 skips"
              + " the feed probe. Default: ${DEFAULT-VALUE}.")
  private int feedWrites;

  @Option(
      names = "--feed-cost-window",
      defaultValue = "3s",
      converter = DurationConverter.class,
      description =
          "How long each of the feed probe's ACTIVATE runs, with and without a watch, is measured."
              + " Default: ${DEFAULT-VALUE}.")
  private Duration feedCostWindow;

  @Option(
      names = "--report",
      defaultValue = "stress-report.html",
      description = "Where to write the HTML report. Default: ${DEFAULT-VALUE}.")
  private Path report;

  /**
   * @param args the command line; {@code --help} lists the options
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new StressHarness()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    validate();
    StressRun.Plan plan =
        new StressRun.Plan(
            backend,
            Cell.matrix(backend, workloads, contenders, processes, threads),
            warmup,
            duration,
            synchronous == null ? Synchronous.NORMAL : synchronous,
            lockTimeout,
            probeHold,
            probeReads,
            feedWrites,
            feedCostWindow);
    Instant started = Instant.now();
    long startNanos = System.nanoTime();
    System.err.printf(
        Locale.ROOT,
        "%s: %d cells of %s + %s warm-up, about %d s%n",
        backend.displayName(),
        plan.cells().size(),
        StressReport.duration(duration),
        StressReport.duration(warmup),
        StressRun.estimate(plan).toSeconds());
    List<CellResult> results;
    ReadProbe.Result probe;
    FeedProbe.Result feed;
    String database;
    try (DatabaseHost host =
            backend == Backend.POSTGRES
                ? DatabaseHost.postgres(postgresUrl)
                : DatabaseHost.sqlite();
        StressRun run =
            new StressRun(plan, host, StressHarness.class.getName(), List.of("worker"))) {
      database = host.describe();
      System.err.println(database);
      Progress progress = new Progress(plan);
      results = run.measure(progress::cellDone);
      probe = run.probe();
      feed = run.feed();
    }
    StressReport stressReport =
        new StressReport(
            plan,
            results,
            probe,
            Targets.evaluate(plan, results, probe, feed),
            StressReport.describeHost(),
            database,
            started,
            Duration.ofNanos(System.nanoTime() - startNanos));
    ConsoleReport.print(stressReport, System.out);
    HtmlReport.write(stressReport, report);
    System.out.println("HTML report: " + report.toAbsolutePath());
    return stressReport.brokenPromise() ? 1 : 0;
  }

  private void validate() {
    if (contenders == null) {
      contenders = Arrays.stream(Contender.values()).filter(c -> c.runsOn(backend)).toList();
    }
    List<Contender> foreign = contenders.stream().filter(c -> !c.runsOn(backend)).toList();
    if (!foreign.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), foreign + " cannot run on " + backend.displayName());
    }
    if (backend == Backend.POSTGRES && synchronous != null) {
      throw new ParameterException(
          spec.commandLine(), "--sync is SQLite's; PostgreSQL follows its synchronous_commit");
    }
    // Only when given on the command line: the environment variable may serve other runs.
    if (backend == Backend.SQLITE
        && spec.commandLine().getParseResult().hasMatchedOption("--postgres-url")) {
      throw new ParameterException(spec.commandLine(), "--postgres-url needs --backend postgres");
    }
    if (threads.stream().anyMatch(t -> t < 1) || processes.stream().anyMatch(p -> p < 1)) {
      throw new ParameterException(
          spec.commandLine(), "--threads and --processes must be positive");
    }
    if (duration.isZero() || duration.isNegative() || warmup.isNegative()) {
      throw new ParameterException(
          spec.commandLine(), "--duration must be positive and --warmup not negative");
    }
    if (lockTimeout.isZero() || lockTimeout.isNegative() || probeHold.isNegative()) {
      throw new ParameterException(
          spec.commandLine(), "--lock-timeout must be positive and --probe-hold not negative");
    }
    if (feedWrites < 0 || feedCostWindow.isZero() || feedCostWindow.isNegative()) {
      throw new ParameterException(
          spec.commandLine(), "--feed-writes must not be negative, --feed-cost-window positive");
    }
    if (probeReads < 1) {
      throw new ParameterException(spec.commandLine(), "--probe-reads must be positive");
    }
  }

  /**
   * One line on stderr per measured cell, with an estimate of the time left: what the remaining
   * cells and the probe take, since each cell runs for a fixed time and the warm-ups are over.
   */
  private static final class Progress {
    private final StressRun.Plan plan;
    private final int total;
    private int done;

    Progress(StressRun.Plan plan) {
      this.plan = plan;
      this.total = plan.cells().size();
    }

    void cellDone(CellResult result) {
      done++;
      long left = StressRun.estimateLeft(plan, total - done).toSeconds();
      LoadResult load = result.load();
      System.err.printf(
          Locale.ROOT,
          "[%3d/%d] %s %-8s %-22s %-5s %,10.0f ops/s  p99 %7.2f ms  %-4s  ~%ds left%n",
          done,
          total,
          plan.backend().displayName(),
          result.cell().workload(),
          result.cell().contender(),
          result.cell().shape(),
          load.opsPerSecond(),
          load.latencies().percentileNanos(99) / 1e6,
          result.watch().clean() ? "ok" : "BAD",
          left);
      if (result.brokenPromise()) {
        LOG.error("{} broke the invariant it promises: {}", result.cell(), result.watch());
      }
    }
  }

  /** The child side of multi-process cells; started by the harness, not by hand. */
  @Command(name = "worker", hidden = true)
  static final class Worker implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      ChildWorker.serve(System.in, System.out);
      return 0;
    }
  }

  /** The feed probe's writer process; started by the harness, not by hand. */
  @Command(name = StressRun.FEED_WRITER_COMMAND, hidden = true)
  static final class FeedWriter implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      FeedProbe.writeAsChild(System.in, System.out);
      return 0;
    }
  }

  /** Prints a new secret keyset for {@code SettingsConfig.Builder.secretKeys}. */
  @Command(
      name = "new-keyset",
      description =
          "Prints a new Tink AEAD keyset (one AES-256-GCM key) in Tink's JSON keyset format, for"
              + " SettingsConfig.Builder.secretKeys(...). Keep it as the application's other"
              + " secrets: (umask 077; java -jar settings-stress.jar new-keyset > keyset.json)")
  static final class NewKeyset implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(SecretKeys.newKeysetJson());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** Reads {@code sqlite} or {@code postgres}, in any case. */
  static final class BackendConverter implements CommandLine.ITypeConverter<Backend> {
    @Override
    public Backend convert(String value) {
      return Backend.valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** Reads {@code 1500ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, {@code 0}, or ISO-8601. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");

    @Override
    public Duration convert(String value) {
      Matcher matcher = SHORT.matcher(value.trim());
      if (!matcher.matches()) {
        return Duration.parse(value);
      }
      double amount = Double.parseDouble(matcher.group(1));
      String unit = matcher.group(2) == null ? "s" : matcher.group(2);
      double millis =
          switch (unit) {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            default -> amount * 1_000;
          };
      return Duration.ofMillis(Math.round(millis));
    }
  }
}

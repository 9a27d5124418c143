package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the matrix: for each cell a fresh seeded database, an invariant watcher, and the load in
 * this JVM (one process) or spread over child JVMs (several). Then the read probe.
 */
public final class StressRun implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StressRun.class);

  /** Between telling prepared children the start time and that time: a line on a pipe. */
  private static final Duration START_LEAD = Duration.ofMillis(50);

  /** The harness's hidden command that runs {@link FeedProbe#writeAsChild}. */
  public static final String FEED_WRITER_COMMAND = "feed-writer";

  /** Seeding, watcher start and stop, per cell: measured, for the estimate only. */
  private static final Duration CELL_OVERHEAD = Duration.ofMillis(200);

  /** Start of the child JVMs, measured, for the estimate only. */
  private static final Duration CHILD_STARTUP = Duration.ofSeconds(2);

  /** JIT warm-up per contender and workload and round, before the first cell. */
  private static final Duration WARMUP_EACH = Duration.ofMillis(250);

  /**
   * The bound on the JIT warm-up, and the rounds it typically takes, for the estimate. A round runs
   * each contender with 1 and with 4 threads, about 3.5 s; at 6 s the warm-up stopped after two,
   * and the first 1-thread cells then compiled for 0.3 s of their 1.2 s.
   */
  private static final Duration WARMUP_AT_MOST = Duration.ofSeconds(10);

  private static final int WARMUP_ROUNDS_TYPICAL = 3;

  /**
   * Unmeasured run of the children per contender and workload, all sharing one file, before the
   * first multi-process cell: alone, a child never takes the paths that contention with other
   * processes takes, and their compilation ran into the measured windows.
   */
  private static final Duration CHILD_WARMUP_EACH = Duration.ofMillis(400);

  /**
   * The bound on the children's warm-up rounds, and the rounds they typically take. Four JVMs on
   * two cores compile at a quarter of one JVM's pace each: at 20 s they stopped after two or three
   * rounds still compiling for most of each round, and a 4 × 4 cell measured 1.8 s of compilation.
   */
  private static final Duration CHILD_WARMUP_AT_MOST = Duration.ofSeconds(30);

  private static final int CHILD_WARMUP_ROUNDS_TYPICAL = 5;

  /**
   * Everything a run needs to know.
   *
   * @param backend what the cells run on
   * @param cells the matrix
   * @param warmup per cell, before measuring
   * @param duration per cell, measured
   * @param synchronous the commit durability, for SQLite
   * @param lockTimeout the bound on each wait for a lock
   * @param probeHold how long the read probe holds the write lock; zero skips the probe
   * @param probeReads how many reads the probe times
   * @param feedWrites how many timed writes the feed probe makes; zero skips it
   * @param feedCostWindow how long each run of the feed probe's cost measurement is measured
   */
  public record Plan(
      Backend backend,
      List<Cell> cells,
      Duration warmup,
      Duration duration,
      Synchronous synchronous,
      Duration lockTimeout,
      Duration probeHold,
      int probeReads,
      int feedWrites,
      Duration feedCostWindow) {}

  private final Plan plan;
  private final String childMainClass;
  private final List<String> childArguments;
  private final DatabaseHost host;
  private final List<ChildProcess> children = new ArrayList<>();

  /**
   * @param plan what to run
   * @param host where to create the databases, of the plan's backend; the caller closes it
   * @param childMainClass the main class of child JVMs, which must call {@link ChildWorker#serve}
   * @param childArguments its arguments
   */
  public StressRun(
      Plan plan, DatabaseHost host, String childMainClass, List<String> childArguments) {
    if (host.backend() != plan.backend()) {
      throw new IllegalArgumentException(
          "A plan for " + plan.backend() + " cannot run on a host of " + host.backend());
    }
    this.plan = plan;
    this.host = host;
    this.childMainClass = childMainClass;
    this.childArguments = List.copyOf(childArguments);
  }

  /**
   * @param plan what to run
   * @return roughly how long running it takes on an idle machine
   */
  public static Duration estimate(Plan plan) {
    List<Cell> cells = plan.cells();
    long warmups = cells.stream().map(c -> c.contender().name() + c.workload()).distinct().count();
    long childWarmups = multiProcessPairs(cells).size();
    Duration childRounds =
        CHILD_WARMUP_EACH
            .plus(CELL_OVERHEAD.multipliedBy(JitWarmup.RUNS_EACH))
            .multipliedBy(childWarmups * CHILD_WARMUP_ROUNDS_TYPICAL);
    Duration children =
        childWarmups == 0
            ? Duration.ZERO
            : CHILD_STARTUP.plus(
                childRounds.compareTo(CHILD_WARMUP_AT_MOST) < 0
                    ? childRounds
                    : CHILD_WARMUP_AT_MOST);
    return estimateLeft(plan, cells.size())
        .plus(WARMUP_EACH.multipliedBy(warmups * WARMUP_ROUNDS_TYPICAL))
        .plus(children);
  }

  /**
   * @param plan what is being run
   * @param cellsLeft how many of its cells are still to be measured
   * @return roughly how long they and the probes take
   */
  public static Duration estimateLeft(Plan plan, int cellsLeft) {
    Duration feed =
        plan.feedWrites() == 0
            ? Duration.ZERO
            : CHILD_STARTUP
                .plus(FeedProbe.WRITE_INTERVAL.multipliedBy(plan.feedWrites()))
                .plus(plan.feedCostWindow().plusSeconds(1).multipliedBy(FeedProbe.COST_RUNS + 1));
    return plan.warmup()
        .plus(plan.duration())
        .plus(CELL_OVERHEAD)
        .multipliedBy(cellsLeft)
        .plus(plan.probeHold())
        .plus(feed);
  }

  /**
   * Measures every cell in order.
   *
   * @param onCell called after each cell, for progress
   * @return the results, in cell order
   * @throws InterruptedException if interrupted
   */
  public List<CellResult> measure(Consumer<CellResult> onCell) throws InterruptedException {
    List<Cell> cells = plan.cells();
    long start = System.nanoTime();
    int rounds =
        JitWarmup.run(
            host,
            cells.stream().map(Cell::contender).distinct().toList(),
            cells.stream().map(Cell::workload).distinct().toList(),
            plan.synchronous(),
            plan.lockTimeout(),
            WARMUP_EACH,
            WARMUP_AT_MOST);
    LOG.info("JIT warm-up: {} rounds in {} ms", rounds, (System.nanoTime() - start) / 1_000_000);
    start = System.nanoTime();
    int childRounds = warmUpChildren(cells);
    if (childRounds > 0) {
      LOG.info(
          "Child JVMs started and warmed up together: {} rounds in {} ms",
          childRounds,
          (System.nanoTime() - start) / 1_000_000);
    }
    List<CellResult> results = new ArrayList<>();
    int index = 0;
    for (Cell cell : plan.cells()) {
      CellResult result = measure(cell, host.create("cell-" + ++index));
      results.add(result);
      onCell.accept(result);
    }
    return results;
  }

  /** The first cell of each contender and workload measured with several processes. */
  private static List<Cell> multiProcessPairs(List<Cell> cells) {
    Map<String, Cell> firsts = new LinkedHashMap<>();
    for (Cell cell : cells) {
      if (cell.processes() > 1) {
        firsts.putIfAbsent(cell.contender().name() + cell.workload(), cell);
      }
    }
    return List.copyOf(firsts.values());
  }

  /**
   * Runs each multi-process pair in the children, unmeasured, all children on one file, round after
   * round until their JIT compilers have settled ({@link JitWarmup#roundsUntilSettled}) or {@link
   * #CHILD_WARMUP_AT_MOST} has passed. Warming up alone, a child never takes the paths that
   * contention with other processes takes; compiling those during the measured cells took over a
   * quarter of the machine's CPU (perf, 4 × 4 threads), and the cells measured the compiler.
   *
   * @return how many rounds ran; 0 when no cell has several processes
   */
  private int warmUpChildren(List<Cell> cells) throws InterruptedException {
    List<Cell> pairs = multiProcessPairs(cells);
    if (pairs.isEmpty()) {
      return 0;
    }
    List<StressDatabase> databases = new ArrayList<>();
    for (int i = 1; i <= pairs.size(); i++) {
      StressDatabase database = host.create("child-warmup-" + i);
      SeedData.write(database, plan.synchronous());
      databases.add(database);
    }
    startChildren(pairs.stream().mapToInt(Cell::processes).max().getAsInt());
    return JitWarmup.roundsUntilSettled(
        CHILD_WARMUP_AT_MOST,
        () -> {
          long compiledMillis = 0;
          for (int i = 0; i < pairs.size(); i++) {
            Cell cell = pairs.get(i);
            for (LoadRequest request :
                JitWarmup.requests(
                    cell.contender(),
                    cell.workload(),
                    databases.get(i),
                    plan.synchronous(),
                    plan.lockTimeout(),
                    CHILD_WARMUP_EACH)) {
              // Every child, as many as the largest cell needs, not only as many as this one.
              compiledMillis += inChildren(request, children.size()).compileMillis();
            }
          }
          return new JitWarmup.Compilation(
              compiledMillis, CHILD_WARMUP_EACH.toMillis() * pairs.size());
        });
  }

  /**
   * @return the read probe's result, or {@code null} when the plan skips it
   * @throws InterruptedException if interrupted
   */
  public ReadProbe.Result probe() throws InterruptedException {
    if (plan.probeHold().isZero()) {
      return null;
    }
    return ReadProbe.run(host, plan.synchronous(), plan.probeHold(), plan.probeReads());
  }

  /**
   * @return the feed probe's result, or {@code null} when the plan skips it
   * @throws IOException if its writer process cannot be started
   * @throws InterruptedException if interrupted
   */
  public FeedProbe.Result feed() throws IOException, InterruptedException {
    if (plan.feedWrites() == 0) {
      return null;
    }
    return FeedProbe.run(
        host,
        plan.synchronous(),
        plan.lockTimeout(),
        plan.feedWrites(),
        plan.feedCostWindow(),
        childMainClass,
        List.of(FEED_WRITER_COMMAND));
  }

  private CellResult measure(Cell cell, StressDatabase database) throws InterruptedException {
    SeedData.write(database, plan.synchronous());
    try (InvariantWatcher watcher = InvariantWatcher.start(database)) {
      LoadResult load =
          cell.processes() == 1
              ? LoadRun.run(request(cell, database))
              : inChildren(request(cell, database), cell.processes());
      return new CellResult(cell, load, watcher.stop());
    }
  }

  /**
   * Every child first opens its store and starts its threads; only then do all start together, so
   * their measured windows coincide however long the preparation took.
   */
  private LoadResult inChildren(LoadRequest request, int processes) throws InterruptedException {
    startChildren(processes);
    List<ChildProcess> active = children.subList(0, processes);
    for (ChildProcess child : active) {
      child.prepare(request);
    }
    for (ChildProcess child : active) {
      child.awaitPrepared(Duration.ofSeconds(30));
    }
    long startAt = System.currentTimeMillis() + START_LEAD.toMillis();
    for (ChildProcess child : active) {
      child.start(startAt);
    }
    Duration timeout =
        START_LEAD
            .plus(request.warmup())
            .plus(request.duration())
            .plus(request.longestOperation())
            .plusSeconds(30);
    List<LoadResult> results = new ArrayList<>();
    for (ChildProcess child : active) {
      results.add(child.awaitResult(timeout));
    }
    return LoadResult.merge(results);
  }

  private LoadRequest request(Cell cell, StressDatabase database) {
    return new LoadRequest(
        cell.contender(),
        cell.workload(),
        database,
        plan.synchronous(),
        plan.lockTimeout(),
        cell.threadsPerProcess(),
        plan.warmup(),
        plan.duration());
  }

  /** Starts the missing children all at once, then waits until each is ready for requests. */
  private void startChildren(int count) throws InterruptedException {
    List<ChildProcess> started = new ArrayList<>();
    try {
      while (children.size() + started.size() < count) {
        started.add(ChildProcess.launch(childMainClass, childArguments));
      }
    } catch (IOException failure) {
      started.forEach(ChildProcess::close);
      throw new UncheckedIOException("Cannot start a child JVM", failure);
    }
    children.addAll(started);
    for (ChildProcess child : started) {
      child.awaitReady(Duration.ofMinutes(1));
    }
  }

  /** Ends the child JVMs; the host keeps the databases until it is closed. */
  @Override
  public void close() {
    children.forEach(ChildProcess::close);
  }
}

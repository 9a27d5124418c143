package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.Synchronous;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs the matrix: for each cell a fresh seeded database file, an invariant watcher, and the load
 * in this JVM (one process) or spread over child JVMs (several). Then the read probe.
 */
public final class StressRun implements AutoCloseable {

  /** How long before the agreed start a child gets its request: enough to open its store. */
  private static final Duration CHILD_LEAD = Duration.ofMillis(300);

  /** JIT warm-up per contender and workload, before the first cell. */
  private static final Duration WARMUP_EACH = Duration.ofMillis(1500);

  /**
   * Everything a run needs to know.
   *
   * @param cells the matrix
   * @param warmup per cell, before measuring
   * @param duration per cell, measured
   * @param synchronous the commit durability
   * @param lockTimeout the bound on each wait for a lock
   * @param probeHold how long the read probe holds the write lock; zero skips the probe
   * @param probeReads how many reads the probe times
   */
  public record Plan(
      List<Cell> cells,
      Duration warmup,
      Duration duration,
      Synchronous synchronous,
      Duration lockTimeout,
      Duration probeHold,
      int probeReads) {}

  private final Plan plan;
  private final String childMainClass;
  private final List<String> childArguments;
  private final Path directory = TempFiles.createDirectory("settings-stress-");
  private final List<ChildProcess> children = new ArrayList<>();

  /**
   * @param plan what to run
   * @param childMainClass the main class of child JVMs, which must call {@link ChildWorker#serve}
   * @param childArguments its arguments
   */
  public StressRun(Plan plan, String childMainClass, List<String> childArguments) {
    this.plan = plan;
    this.childMainClass = childMainClass;
    this.childArguments = List.copyOf(childArguments);
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
    JitWarmup.run(
        cells.stream().map(Cell::contender).distinct().toList(),
        cells.stream().map(Cell::workload).distinct().toList(),
        WARMUP_EACH);
    List<CellResult> results = new ArrayList<>();
    int index = 0;
    for (Cell cell : plan.cells()) {
      CellResult result = measure(cell, directory.resolve("cell-" + ++index + ".db"));
      results.add(result);
      onCell.accept(result);
    }
    return results;
  }

  /**
   * @return the read probe's result, or {@code null} when the plan skips it
   * @throws InterruptedException if interrupted
   */
  public ReadProbe.Result probe() throws InterruptedException {
    if (plan.probeHold().isZero()) {
      return null;
    }
    return ReadProbe.run(directory, plan.synchronous(), plan.probeHold(), plan.probeReads());
  }

  private CellResult measure(Cell cell, Path database) throws InterruptedException {
    SeedData.write(database, plan.synchronous());
    try (InvariantWatcher watcher = InvariantWatcher.start(database)) {
      LoadResult load =
          cell.processes() == 1
              ? LoadRun.run(request(cell, database, System.currentTimeMillis()))
              : inChildren(cell, database);
      return new CellResult(cell, load, watcher.stop());
    }
  }

  private LoadResult inChildren(Cell cell, Path database) throws InterruptedException {
    startChildren(cell.processes());
    LoadRequest request =
        request(cell, database, System.currentTimeMillis() + CHILD_LEAD.toMillis());
    for (ChildProcess child : children.subList(0, cell.processes())) {
      child.send(request);
    }
    Duration timeout =
        CHILD_LEAD
            .plus(plan.warmup())
            .plus(plan.duration())
            .plus(plan.lockTimeout())
            .plusSeconds(30);
    List<LoadResult> results = new ArrayList<>();
    for (ChildProcess child : children.subList(0, cell.processes())) {
      results.add(child.awaitResult(timeout));
    }
    return LoadResult.merge(results);
  }

  private LoadRequest request(Cell cell, Path database, long startAtEpochMillis) {
    return new LoadRequest(
        cell.contender(),
        cell.workload(),
        database,
        plan.synchronous(),
        plan.lockTimeout(),
        cell.threadsPerProcess(),
        plan.warmup(),
        plan.duration(),
        startAtEpochMillis);
  }

  /** Starts the missing children all at once, then waits for each to warm up. */
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

  /** Ends the child JVMs and deletes the run's databases. */
  @Override
  public void close() {
    children.forEach(ChildProcess::close);
    TempFiles.deleteTree(directory);
  }
}

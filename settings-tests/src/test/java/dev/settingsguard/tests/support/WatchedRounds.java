package dev.settingsguard.tests.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Rounds of barrier-released threads against one database while an {@link ActiveProviderWatcher}
 * reads it, adding up what every round did into one {@link Outcome}.
 */
public final class WatchedRounds implements AutoCloseable {

  private final TestDatabase database;
  private final ActiveProviderWatcher watcher;
  private final List<Throwable> failures = new ArrayList<>();
  private int unfinished;

  private WatchedRounds(TestDatabase database) {
    this.database = database;
    this.watcher = ActiveProviderWatcher.start(database);
  }

  /**
   * @param database the database the rounds write and the watcher reads
   * @return the rounds, with the watcher running
   */
  public static WatchedRounds start(TestDatabase database) {
    return new WatchedRounds(database);
  }

  /**
   * Runs one round: {@code threads} threads released together, joined within {@code joinTimeout}.
   *
   * @param threads how many threads
   * @param joinTimeout the bound on waiting for them
   * @param task what each thread runs, given its index
   * @throws InterruptedException if interrupted while joining
   */
  public void run(int threads, Duration joinTimeout, IntConsumer task) throws InterruptedException {
    BarrierRun.Result result = BarrierRun.run(threads, joinTimeout, task);
    failures.addAll(result.failures());
    unfinished += result.unfinished();
  }

  /**
   * @return snapshots the watcher read so far
   */
  public long reads() {
    return watcher.reads();
  }

  /**
   * @return every round's failures and unfinished threads, the watcher's violations, and the
   *     invariant's counts now
   */
  public Outcome outcome() {
    return new Outcome(failures, unfinished, watcher.violations(), Invariant.read(database));
  }

  /** Stops the watcher. */
  @Override
  public void close() throws InterruptedException {
    watcher.close();
  }
}

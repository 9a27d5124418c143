package dev.settingsguard.stress.internal;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's share of a measurement, in two steps so that several processes can start together:
 * {@link #prepare} opens the target and starts the load threads, each with its client open; {@link
 * #runFrom} releases them at an agreed instant. They warm up, then every operation that starts
 * inside the measured window is timed and counted.
 */
public final class LoadRun implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LoadRun.class);

  private static final CompilationMXBean COMPILER = ManagementFactory.getCompilationMXBean();

  private static final int WARMUP = 0;
  private static final int MEASURE = 1;
  private static final int STOP = 2;

  private final LoadRequest request;
  private final LoadTarget target;
  private final List<LoadThread> threads = new ArrayList<>();
  private final CountDownLatch ready;
  private final CountDownLatch go = new CountDownLatch(1);
  private volatile int phase = WARMUP;

  private LoadRun(LoadRequest request, LoadTarget target) {
    this.request = request;
    this.target = target;
    this.ready = new CountDownLatch(request.threads());
  }

  /**
   * Opens the target and starts the load threads, which wait for {@link #runFrom}.
   *
   * @param request what to run
   * @return the prepared run; close it if {@link #runFrom} is never called
   * @throws InterruptedException if interrupted while the threads open their clients
   */
  public static LoadRun prepare(LoadRequest request) throws InterruptedException {
    LoadRun run = new LoadRun(request, LoadTarget.open(request));
    try {
      for (int i = 0; i < request.threads(); i++) {
        LoadThread thread = run.new LoadThread(i);
        run.threads.add(thread);
        thread.start();
      }
      run.ready.await();
      for (LoadThread thread : run.threads) {
        thread.checkStarted();
      }
      return run;
    } catch (InterruptedException | RuntimeException failure) {
      run.close();
      throw failure;
    }
  }

  /**
   * Prepares and runs at once, in this process alone.
   *
   * @param request what to run
   * @return what the threads did in the measured window
   * @throws InterruptedException if interrupted
   */
  public static LoadResult run(LoadRequest request) throws InterruptedException {
    try (LoadRun run = prepare(request)) {
      return run.runFrom(System.currentTimeMillis());
    }
  }

  /**
   * Releases the threads at {@code startAtEpochMillis}, lets them warm up, measures, and stops
   * them.
   *
   * @param startAtEpochMillis when to start, on the wall clock every process shares
   * @return what the threads did in the measured window
   * @throws InterruptedException if interrupted
   */
  public LoadResult runFrom(long startAtEpochMillis) throws InterruptedException {
    sleepUntil(startAtEpochMillis);
    go.countDown();
    TimeUnit.MILLISECONDS.sleep(request.warmup().toMillis());
    long compiledBefore = COMPILER.getTotalCompilationTime();
    long start = System.nanoTime();
    phase = MEASURE;
    TimeUnit.MILLISECONDS.sleep(request.duration().toMillis());
    phase = STOP;
    long windowNanos = System.nanoTime() - start;
    long compileMillis = COMPILER.getTotalCompilationTime() - compiledBefore;
    return collect(windowNanos, compileMillis);
  }

  /** Stops the threads if they still run, and closes the target. */
  @Override
  public void close() {
    phase = STOP;
    go.countDown();
    target.close();
  }

  private LoadResult collect(long windowNanos, long compileMillis) throws InterruptedException {
    // An operation in flight at the stop may still wait for its locks before it returns.
    long deadline = System.nanoTime() + request.longestOperation().plusSeconds(5).toNanos();
    List<LoadResult> perThread = new ArrayList<>();
    for (LoadThread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        throw new IllegalStateException(thread.getName() + " did not stop; is an operation hung?");
      }
      perThread.add(thread.result(windowNanos));
    }
    return LoadResult.merge(perThread).withCompileMillis(compileMillis);
  }

  private static void sleepUntil(long epochMillis) throws InterruptedException {
    long wait = epochMillis - System.currentTimeMillis();
    if (wait > 0) {
      TimeUnit.MILLISECONDS.sleep(wait);
    } else if (wait < -20) {
      LOG.warn("Started {} ms after the agreed start: windows of processes overlap less", -wait);
    }
  }

  /** One load thread: its own client, counters and histogram, merged after it stops. */
  private final class LoadThread extends Thread {
    private final LatencyHistogram latencies = new LatencyHistogram();
    private long done;
    private long busy;
    private long failed;
    private Throwable crash;
    private boolean loggedUnexpected;

    LoadThread(int index) {
      super("load-" + index);
      setDaemon(true);
    }

    @Override
    public void run() {
      SplittableRandom random = new SplittableRandom();
      LoadClient opened;
      try {
        opened = target.newClient();
      } catch (RuntimeException | Error failure) {
        crash = failure; // an Error too: prepare() must not wait for this thread forever
        ready.countDown();
        return;
      }
      try (LoadClient client = opened) {
        ready.countDown();
        go.await();
        int current;
        while ((current = phase) != STOP) {
          long start = System.nanoTime();
          LoadClient.Outcome outcome = runOne(client, random);
          if (current == MEASURE) {
            latencies.record(System.nanoTime() - start);
            count(outcome);
          }
        }
      } catch (InterruptedException interrupt) {
        Thread.currentThread().interrupt();
      }
    }

    private LoadClient.Outcome runOne(LoadClient client, SplittableRandom random) {
      try {
        return client.runOne(random);
      } catch (RuntimeException unexpected) {
        if (!loggedUnexpected) {
          loggedUnexpected = true;
          LOG.warn("{}: unexpected failure, counted as failed", request.contender(), unexpected);
        }
        return LoadClient.Outcome.FAILED;
      }
    }

    private void count(LoadClient.Outcome outcome) {
      switch (outcome) {
        case DONE -> done++;
        case BUSY -> busy++;
        case FAILED -> failed++;
      }
    }

    /** Called once every thread counted down {@code ready}, which it does when it crashes too. */
    void checkStarted() {
      if (crash != null) {
        throw new IllegalStateException(getName() + " could not start: " + crash, crash);
      }
    }

    LoadResult result(long windowNanos) {
      return new LoadResult(done / (windowNanos / 1e9), done, busy, failed, latencies, 0);
    }
  }
}

package dev.settingsguard.stress.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one process's share of a measurement: its load threads warm up, then every operation that
 * starts inside the measured window is timed and counted.
 */
public final class LoadRun {

  private static final Logger LOG = LoggerFactory.getLogger(LoadRun.class);

  private static final int WARMUP = 0;
  private static final int MEASURE = 1;
  private static final int STOP = 2;

  private final LoadRequest request;
  private final CountDownLatch ready;
  private final CountDownLatch go = new CountDownLatch(1);
  private volatile int phase = WARMUP;

  private LoadRun(LoadRequest request) {
    this.request = request;
    this.ready = new CountDownLatch(request.threads());
  }

  /**
   * Opens the target, runs the load threads and closes the target.
   *
   * @param request what to run
   * @return what the threads did in the measured window
   * @throws InterruptedException if interrupted while waiting for the threads
   */
  public static LoadResult run(LoadRequest request) throws InterruptedException {
    try (LoadTarget target = LoadTarget.open(request)) {
      return new LoadRun(request).runOn(target);
    }
  }

  private LoadResult runOn(LoadTarget target) throws InterruptedException {
    List<LoadThread> threads = new ArrayList<>();
    for (int i = 0; i < request.threads(); i++) {
      LoadThread thread = new LoadThread(target, i);
      threads.add(thread);
      thread.start();
    }
    try {
      ready.await();
      sleepUntil(request.startAtEpochMillis());
      go.countDown();
      TimeUnit.MILLISECONDS.sleep(request.warmup().toMillis());
      long start = System.nanoTime();
      phase = MEASURE;
      TimeUnit.MILLISECONDS.sleep(request.duration().toMillis());
      phase = STOP;
      long window = System.nanoTime() - start;
      return collect(threads, window);
    } finally {
      phase = STOP;
      go.countDown();
    }
  }

  private LoadResult collect(List<LoadThread> threads, long windowNanos)
      throws InterruptedException {
    // An operation in flight at the stop may wait up to the lock timeout before it returns.
    long deadline = System.nanoTime() + request.lockTimeout().plusSeconds(5).toNanos();
    List<LoadResult> perThread = new ArrayList<>();
    for (LoadThread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        throw new IllegalStateException(thread.getName() + " did not stop; is an operation hung?");
      }
      perThread.add(thread.result(windowNanos));
    }
    return LoadResult.merge(perThread);
  }

  private static void sleepUntil(long epochMillis) throws InterruptedException {
    long wait = epochMillis - System.currentTimeMillis();
    if (wait > 0) {
      TimeUnit.MILLISECONDS.sleep(wait);
    } else if (wait < -100) {
      LOG.warn("Started {} ms after the agreed start: windows of processes overlap less", -wait);
    }
  }

  /** One load thread: its own client, counters and histogram, merged after it stops. */
  private final class LoadThread extends Thread {
    private final LoadTarget target;
    private final LatencyHistogram latencies = new LatencyHistogram();
    private long done;
    private long busy;
    private long failed;
    private RuntimeException crash;
    private boolean loggedUnexpected;

    LoadThread(LoadTarget target, int index) {
      super("load-" + index);
      this.target = target;
      setDaemon(true);
    }

    @Override
    public void run() {
      SplittableRandom random = new SplittableRandom();
      try (LoadClient client = target.newClient()) {
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
      } catch (RuntimeException failure) {
        crash = failure;
        ready.countDown();
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

    LoadResult result(long windowNanos) {
      if (crash != null) {
        throw new IllegalStateException(getName() + " could not start: " + crash, crash);
      }
      return new LoadResult(done / (windowNanos / 1e9), done, busy, failed, latencies);
    }
  }
}

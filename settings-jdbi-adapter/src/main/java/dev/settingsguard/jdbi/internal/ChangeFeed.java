package dev.settingsguard.jdbi.internal;

import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsListener;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsWatch;
import dev.settingsguard.jdbi.ChangeSignal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed of one store: one thread, running while a watch is open, that waits on the
 * backend's {@link ChangeSignal}, reads the change log after each watch's revision and calls the
 * listeners, one call at a time, in revision order.
 *
 * <p>The log is the source of truth; the signal only wakes the thread. The log is also read every
 * {@link #FALLBACK_READ} without a signal, and at once after the signal's connection was opened
 * again, so a change is delayed, never lost, while the signal is down.
 */
public final class ChangeFeed implements AutoCloseable {

  /** Reads the log: the changes of whole revisions after one, and the counter. */
  @FunctionalInterface
  public interface LogReader {
    /**
     * @param afterRevision read the changes of later revisions
     * @param revisions how many revisions to read at most
     * @return what was read, in one snapshot
     */
    ChangeLogPage read(long afterRevision, int revisions);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  /** How often the log is read when no signal came, in case one was missed. */
  static final Duration FALLBACK_READ = Duration.ofSeconds(1);

  /**
   * The least time between two reads of the log: however fast writers commit, a watch reads at most
   * 200 times a second, each read delivering what committed since the last. Without it, on
   * PostgreSQL, where each commit wakes the feed at once, a watch read after nearly every commit
   * and took a share of the writers' rate (docs/performance.md).
   */
  static final Duration READ_GAP = Duration.ofMillis(5);

  /**
   * The least time between two reads while writers keep the log busy: after a read that delivered
   * {@link #BUSY_REVISIONS} revisions or more. Each read costs the server and this JVM what the
   * writers then lack; under such a load a change would queue behind the others anyway, so it may
   * arrive up to this long after its commit (the cost at 5 and at 20 ms: docs/performance.md).
   */
  static final Duration BUSY_READ_GAP = Duration.ofMillis(20);

  /** Revisions in one read that make the next read wait {@link #BUSY_READ_GAP}. */
  static final int BUSY_REVISIONS = 16;

  /** How long closing waits for a listener that is running, or for the thread to end. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /** Revisions per read of the log. */
  private static final int PAGE_REVISIONS = 256;

  private final String databaseName;
  private final Supplier<ChangeSignal> signals;
  private final LogReader log;
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private final AtomicBoolean readRequested = new AtomicBoolean();

  /** Guarded by {@code this}; {@code null} while no watch is open. */
  private Thread thread;

  /** Guarded by {@code this}. */
  private boolean closed;

  /**
   * @param databaseName the database's name, for the thread's name and the log
   * @param signals opens the backend's signal; called on the feed's thread
   * @param log reads the change log
   */
  public ChangeFeed(String databaseName, Supplier<ChangeSignal> signals, LogReader log) {
    this.databaseName = databaseName;
    this.signals = signals;
    this.log = log;
  }

  /**
   * Starts delivering to the listener on the feed's thread, which starts if it is not running.
   *
   * @param afterRevision deliver the changes of later revisions
   * @param listener the listener
   * @return the watch
   * @throws SettingsStorageException if the store is closed
   */
  public SettingsWatch watch(long afterRevision, SettingsListener listener) {
    Watch watch = new Watch(afterRevision, listener);
    synchronized (this) {
      if (closed) {
        throw new SettingsStorageException(
            "Settings database " + databaseName + " is closed: no watch can start", null);
      }
      watches.add(watch);
      if (thread == null || !thread.isAlive()) {
        thread = new Thread(this::run, "settings-guard-feed " + databaseName);
        thread.setDaemon(true);
        thread.start();
      } else {
        requestRead();
      }
    }
    return watch;
  }

  /**
   * Stops delivery: waits up to {@link #CLOSE_WAIT} for a running listener and for the thread to
   * end. Idempotent.
   */
  @Override
  public void close() {
    Thread running;
    synchronized (this) {
      closed = true;
      running = thread;
    }
    watches.forEach(Watch::close);
    if (running != null && running != Thread.currentThread()) {
      LockSupport.unpark(running);
      try {
        running.join(CLOSE_WAIT.toMillis());
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      if (running.isAlive()) {
        LOG.warn(
            "The change feed of settings database {} did not stop within {}; it will when its"
                + " current call returns",
            databaseName,
            CLOSE_WAIT);
      }
    }
  }

  private void requestRead() {
    readRequested.set(true);
    Thread running = thread;
    if (running != null) {
      LockSupport.unpark(running);
    }
  }

  private void run() {
    ChangeSignal signal = null;
    long nextRead = System.nanoTime();
    long reopenAt = nextRead;
    long earliestRead = nextRead;
    int signalFailures = 0;
    int readFailures = 0;
    try {
      while (true) {
        synchronized (this) {
          if (closed || watches.isEmpty()) {
            thread = null;
            return;
          }
        }
        if (signal == null && System.nanoTime() - reopenAt >= 0) {
          try {
            signal = signals.get();
            if (signalFailures > 0) {
              LOG.info("The change feed of settings database {} is signalled again", databaseName);
            }
            signalFailures = 0;
            // Whatever was committed while the signal was down is read now.
            nextRead = System.nanoTime();
          } catch (RuntimeException failure) {
            signalFailures = signalDown(failure, signalFailures);
            reopenAt = System.nanoTime() + retryPauseNanos(signalFailures);
          }
        }
        long now = System.nanoTime();
        boolean requested = readRequested.get();
        if ((requested && now - earliestRead >= 0) || now - nextRead >= 0) {
          readRequested.set(false);
          nextRead = now + FALLBACK_READ.toNanos();
          long delivered = deliveredRevisions();
          readFailures = deliverAll(readFailures);
          boolean busy = deliveredRevisions() - delivered >= BUSY_REVISIONS;
          earliestRead = now + (busy ? BUSY_READ_GAP : READ_GAP).toNanos();
          if (readFailures > 0) {
            nextRead = System.nanoTime() + retryPauseNanos(readFailures);
          }
        } else if (requested) {
          // Read a moment ago: let the commits of the next few milliseconds gather first.
          LockSupport.parkNanos(earliestRead - now);
          continue;
        }
        if (signal == null) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ChangeSignal.MAX_WAIT_MILLIS));
          continue;
        }
        try {
          if (signal.await()) {
            readRequested.set(true);
          }
        } catch (RuntimeException failure) {
          signal.close();
          signal = null;
          signalFailures = signalDown(failure, signalFailures);
          reopenAt = System.nanoTime() + retryPauseNanos(signalFailures);
        }
      }
    } finally {
      if (signal != null) {
        signal.close();
      }
      synchronized (this) {
        if (thread == Thread.currentThread()) {
          thread = null;
        }
      }
    }
  }

  /** 100 ms after the first failure, doubling up to 2 s. */
  private static long retryPauseNanos(int failures) {
    return Math.min(
        TimeUnit.MILLISECONDS.toNanos(100) << Math.min(Math.max(failures - 1, 0), 5),
        TimeUnit.SECONDS.toNanos(2));
  }

  private int signalDown(RuntimeException failure, int failures) {
    if (failures == 0) {
      LOG.warn(
          "The change feed of settings database {} lost its signal ({}); reading the log every {}"
              + " until it is back",
          databaseName,
          failure.getMessage(),
          FALLBACK_READ);
    }
    return failures + 1;
  }

  /** The furthest revision a watch has been served through; on the feed's thread. */
  private long deliveredRevisions() {
    long furthest = 0;
    for (Watch watch : watches) {
      furthest = Math.max(furthest, watch.deliveredThrough);
    }
    return furthest;
  }

  /**
   * @return how many reads in a row have failed, 0 after this one succeeded
   */
  private int deliverAll(int failures) {
    RuntimeException failed = null;
    for (Watch watch : watches) {
      try {
        watch.catchUp();
      } catch (RuntimeException failure) {
        // The next watch may still be served: it may be further along the log.
        failed = failure;
      }
    }
    if (failed == null) {
      if (failures > 0) {
        LOG.info("The change feed of settings database {} reads its log again", databaseName);
      }
      return 0;
    }
    if (failures == 0) {
      LOG.warn(
          "The change feed of settings database {} cannot read its log ({}); trying again",
          databaseName,
          failed.getMessage());
    }
    return failures + 1;
  }

  /** One watch: its listener and the revision delivered last. */
  private final class Watch implements SettingsWatch {
    private final SettingsListener listener;

    /** Held while the listener runs, so that {@link #close} can wait for it to return. */
    private final ReentrantLock delivering = new ReentrantLock();

    /** Written by the feed's thread only; read by toString(). */
    private volatile long deliveredThrough;

    private volatile boolean closed;

    Watch(long afterRevision, SettingsListener listener) {
      this.deliveredThrough = afterRevision;
      this.listener = listener;
    }

    /** Delivers every change after {@link #deliveredThrough}, page by page. */
    void catchUp() {
      while (!closed) {
        ChangeLogPage page = log.read(deliveredThrough, PAGE_REVISIONS);
        if (deliveredThrough < page.trimmedThrough()) {
          deliver(() -> listener.onReset(page.currentRevision()), "a reset");
          deliveredThrough = page.currentRevision();
          continue;
        }
        for (SettingsChange change : page.changes()) {
          deliver(() -> listener.onChange(change), "change " + change.revision());
          deliveredThrough = change.revision();
        }
        if (page.revisions() < PAGE_REVISIONS) {
          // The page held every logged revision up to the counter's, read in the same snapshot.
          deliveredThrough = Math.max(deliveredThrough, page.currentRevision());
          return;
        }
      }
    }

    private void deliver(Runnable call, String what) {
      delivering.lock();
      try {
        if (!closed) {
          call.run();
        }
      } catch (VirtualMachineError fatal) {
        // Out of memory or stack: the thread ends, and the next watch() starts another.
        throw fatal;
      } catch (Throwable failure) {
        // The listener's own failure: its message and trace are its own, they name no value of
        // ours.
        LOG.warn(
            "A listener of settings database {} failed on {}; its watch goes on",
            databaseName,
            what,
            failure);
      } finally {
        delivering.unlock();
      }
    }

    @Override
    public void close() {
      closed = true;
      watches.remove(this);
      if (delivering.isHeldByCurrentThread()) {
        return;
      }
      try {
        if (delivering.tryLock(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          delivering.unlock();
        } else {
          LOG.warn(
              "A listener of settings database {} was still running {} after its watch closed",
              databaseName,
              CLOSE_WAIT);
        }
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String toString() {
      return "SettingsWatch[" + databaseName + ", after revision " + deliveredThrough + "]";
    }
  }
}

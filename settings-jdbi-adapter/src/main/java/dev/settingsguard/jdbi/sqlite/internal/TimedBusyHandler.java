package dev.settingsguard.jdbi.sqlite.internal;

import dev.settingsguard.core.internal.Backoff;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.BusyHandler;

/**
 * Replaces SQLite's own busy handler, which sleeps up to 100 ms between retries and so gives
 * multi-second latency tails under contention. This one retries after a short {@link Backoff}
 * pause, and gives up when the lock timeout has passed or the thread is interrupted (the interrupt
 * flag stays set for the caller to see).
 *
 * <p>One instance per connection; a connection is used by one thread at a time.
 */
public final class TimedBusyHandler extends BusyHandler {

  private final long timeoutNanos;
  private long firstCallNanos;

  /**
   * @param timeout how long one statement may wait for a lock in all
   */
  public TimedBusyHandler(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /**
   * @param previousCalls how many times SQLite already called the handler for this statement
   * @return non-zero to retry, zero to fail the statement with {@code SQLITE_BUSY}
   */
  @Override
  protected int callback(int previousCalls) {
    long now = System.nanoTime();
    if (previousCalls == 0) {
      firstCallNanos = now;
    }
    if (Thread.currentThread().isInterrupted() || now - firstCallNanos >= timeoutNanos) {
      return 0;
    }
    LockSupport.parkNanos(Backoff.pauseNanos(previousCalls));
    return 1;
  }
}

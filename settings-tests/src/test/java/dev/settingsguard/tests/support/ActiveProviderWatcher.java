package dev.settingsguard.tests.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reader that polls the invariant on its own plain JDBC connection while writers run, and counts
 * the snapshots in which it did not hold.
 */
public final class ActiveProviderWatcher implements AutoCloseable {

  private final Thread thread;
  private final AtomicLong reads = new AtomicLong();
  private final AtomicInteger violations = new AtomicInteger();
  private volatile boolean stopped;
  private volatile SQLException failure;

  private ActiveProviderWatcher(TestDatabase database) {
    this.thread = new Thread(() -> watch(database), "active-provider-watcher");
    thread.setDaemon(true);
  }

  /**
   * @param database the database to watch
   * @return the running watcher
   */
  public static ActiveProviderWatcher start(TestDatabase database) {
    ActiveProviderWatcher watcher = new ActiveProviderWatcher(database);
    watcher.thread.start();
    return watcher;
  }

  private void watch(TestDatabase database) {
    try (Connection connection = database.connect()) {
      while (!stopped) {
        if (!Invariant.read(connection).holds()) {
          violations.incrementAndGet();
        }
        reads.incrementAndGet();
      }
    } catch (SQLException readFailure) {
      failure = readFailure;
    }
  }

  /**
   * @return snapshots seen so far in which the invariant did not hold
   */
  public int violations() {
    return violations.get();
  }

  /**
   * @return snapshots read so far
   */
  public long reads() {
    return reads.get();
  }

  /** Stops the watcher and waits for it; fails if the watcher could not read. */
  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.join(10_000);
    if (failure != null) {
      throw new IllegalStateException("watcher failed to read", failure);
    }
  }
}

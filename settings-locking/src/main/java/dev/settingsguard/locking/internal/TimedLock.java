package dev.settingsguard.locking.internal;

import dev.settingsguard.core.SettingsBusyException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fair, reentrant in-JVM lock whose waits end the way every strategy reports them: a {@link
 * SettingsBusyException} naming the lock at the deadline, or on an interrupt, with the flag set
 * again. Fairness serves waiting writers in arrival order.
 */
final class TimedLock {

  private final ReentrantLock lock = new ReentrantLock(true);
  private final String resource;

  /**
   * @param resource how refusals name this lock, e.g. {@code "JVM lock on /data/settings.db"}
   */
  TimedLock(String resource) {
    this.resource = resource;
  }

  /**
   * @param start when the caller's wait began ({@link System#nanoTime()})
   * @param deadline when it must end ({@link System#nanoTime()})
   * @param timeout the configured bound, as refusals report it
   * @throws SettingsBusyException at the deadline, or when interrupted (flag set again)
   */
  void lock(long start, long deadline, Duration timeout) {
    try {
      if (!lock.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        throw new SettingsBusyException(resource, timeout);
      }
    } catch (InterruptedException interrupt) {
      Thread.currentThread().interrupt();
      throw SettingsBusyException.interrupted(
          resource, Duration.ofNanos(System.nanoTime() - start), interrupt);
    }
  }

  void unlock() {
    lock.unlock();
  }

  /**
   * @return how many times the current thread holds this lock
   */
  int holdCount() {
    return lock.getHoldCount();
  }
}

package dev.settingsguard.jdbi;

/**
 * How the change feed learns that another connection committed: a dedicated connection of the
 * backend's that watches the database. It only wakes the feed; the change log stays the source of
 * truth, so a signal that misses a commit delays a change, never loses it.
 */
public interface ChangeSignal extends AutoCloseable {

  /**
   * Waits a short while, at most {@link #MAX_WAIT_MILLIS}, for a commit of another connection. May
   * return early when the calling thread is unparked.
   *
   * @return whether a commit may have happened since the previous call
   * @throws RuntimeException if the signal's connection failed; close it and open another
   */
  boolean await();

  /** Closes the signal's connection. Idempotent. */
  @Override
  void close();

  /** The longest one {@link #await()} waits, so that the feed notices a close in time. */
  long MAX_WAIT_MILLIS = 100;
}

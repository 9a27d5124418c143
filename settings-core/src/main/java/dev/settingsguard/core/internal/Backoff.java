package dev.settingsguard.core.internal;

/**
 * The pause between two attempts at a lock that cannot be waited on directly (a SQLite lock, an OS
 * file lock): short enough that a released lock is taken again within half a millisecond, growing
 * so that many waiters do not spin the CPU.
 */
public final class Backoff {

  private static final long FIRST_PAUSE_NANOS = 20_000;
  private static final long MAX_PAUSE_NANOS = 500_000;
  private static final int DOUBLINGS = 5;

  private Backoff() {}

  /**
   * @param previousAttempts how many attempts already failed
   * @return how long to pause before the next attempt: 20 µs doubling up to 500 µs
   */
  public static long pauseNanos(int previousAttempts) {
    return Math.min(FIRST_PAUSE_NANOS << Math.min(previousAttempts, DOUBLINGS), MAX_PAUSE_NANOS);
  }
}

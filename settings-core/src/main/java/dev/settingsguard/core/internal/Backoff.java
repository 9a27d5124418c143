package dev.settingsguard.core.internal;

/**
 * The pause between two attempts at a lock that cannot be waited on directly (a SQLite lock, an OS
 * file lock): short at first, so that a lock held briefly is taken soon after its release, and
 * growing to 2 ms, so that waiters do not spin the CPU and keep interrupting the holder. The holder
 * is usually another process's batch of writes, which shorter pauses only interrupt more often (the
 * measurements behind 2 ms: docs/performance.md, "Figures behind constants").
 */
public final class Backoff {

  private static final long FIRST_PAUSE_NANOS = 20_000;
  private static final long MAX_PAUSE_NANOS = 2_000_000;
  private static final int DOUBLINGS = 7;

  private Backoff() {}

  /**
   * @param previousAttempts how many attempts already failed
   * @return how long to pause before the next attempt: 20 µs doubling up to 2 ms
   */
  public static long pauseNanos(int previousAttempts) {
    return Math.min(FIRST_PAUSE_NANOS << Math.min(previousAttempts, DOUBLINGS), MAX_PAUSE_NANOS);
  }
}

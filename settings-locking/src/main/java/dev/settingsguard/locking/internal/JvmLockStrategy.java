package dev.settingsguard.locking.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code JVM_LOCK}: one fair {@link TimedLock} per canonical database path, shared by every store
 * on that file in this JVM, so two injectors on one file still exclude each other and different
 * files never contend. Fairness serves waiting writers in arrival order, so no writer waits behind
 * a stream of later ones.
 *
 * <p>It does not exclude other processes.
 */
public final class JvmLockStrategy implements WriteGuard {

  /** Never shrinks: one small lock per database file this JVM ever opened. */
  private static final Map<Path, TimedLock> LOCKS = new ConcurrentHashMap<>();

  private final TimedLock lock;
  private final Duration timeout;

  private JvmLockStrategy(Path database, Duration timeout) {
    this.lock = LOCKS.computeIfAbsent(database, path -> new TimedLock("JVM lock on " + path));
    this.timeout = timeout;
  }

  /**
   * @param canonicalDatabase the database file's canonical path: the key every store shares
   * @param timeout the bound on each wait for the lock
   * @return the guard for that file
   */
  public static JvmLockStrategy forDatabase(Path canonicalDatabase, Duration timeout) {
    return new JvmLockStrategy(
        Objects.requireNonNull(canonicalDatabase, "canonicalDatabase"),
        Objects.requireNonNull(timeout, "timeout"));
  }

  @Override
  public <R> R around(Supplier<R> operation) {
    long start = System.nanoTime();
    lock.lock(start, start + timeout.toNanos(), timeout);
    try {
      return operation.get();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "JvmLock";
  }
}

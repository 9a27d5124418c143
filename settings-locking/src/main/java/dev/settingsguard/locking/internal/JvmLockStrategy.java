package dev.settingsguard.locking.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code JVM_LOCK}: one {@link CombiningLock} per database, shared by every store on it in this JVM
 * whatever name opened it, so two injectors on one database still exclude each other and different
 * databases never contend. Writes run one at a time in arrival order, so no writer waits behind a
 * stream of later ones, and a contended write costs no thread hand-off.
 *
 * <p>It does not exclude other processes.
 */
public final class JvmLockStrategy implements WriteGuard {

  /** Never shrinks: one small lock per database this JVM ever opened. */
  private static final Map<Object, CombiningLock> LOCKS = new ConcurrentHashMap<>();

  private final CombiningLock lock;
  private final WriteGuard guardsBelow;
  private final Duration timeout;

  private JvmLockStrategy(Object identity, String name, WriteGuard guardsBelow, Duration timeout) {
    this.lock = LOCKS.computeIfAbsent(identity, key -> new CombiningLock("JVM lock on " + name));
    this.guardsBelow = guardsBelow;
    this.timeout = timeout;
  }

  /**
   * @param identity what identifies the database, equal for every store on it: the key they share
   * @param name the database's name in messages
   * @param guardsBelow what the chain inside this guard does around each write; entered once for a
   *     batch of queued writes of this store, which then each re-enter it
   * @param timeout the bound on each wait for the lock
   * @return the guard for that database
   */
  public static JvmLockStrategy forDatabase(
      Object identity, String name, WriteGuard guardsBelow, Duration timeout) {
    return new JvmLockStrategy(
        Objects.requireNonNull(identity, "identity"),
        Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(guardsBelow, "guardsBelow"),
        Objects.requireNonNull(timeout, "timeout"));
  }

  @Override
  public <R> R around(Supplier<R> operation) {
    return lock.run(operation, guardsBelow, timeout);
  }

  @Override
  public String toString() {
    return "JvmLock";
  }
}

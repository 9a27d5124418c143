package dev.settingsguard.locking.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code JVM_LOCK}: one {@link CombiningLock} per canonical database path, shared by every store on
 * that file in this JVM, so two injectors on one file still exclude each other and different files
 * never contend. Writes run one at a time in arrival order, so no writer waits behind a stream of
 * later ones, and a contended write costs no thread hand-off.
 *
 * <p>It does not exclude other processes.
 */
public final class JvmLockStrategy implements WriteGuard {

  /** Never shrinks: one small lock per database file this JVM ever opened. */
  private static final Map<Path, CombiningLock> LOCKS = new ConcurrentHashMap<>();

  private final CombiningLock lock;
  private final WriteGuard guardsBelow;
  private final Duration timeout;

  private JvmLockStrategy(Path database, WriteGuard guardsBelow, Duration timeout) {
    this.lock = LOCKS.computeIfAbsent(database, path -> new CombiningLock("JVM lock on " + path));
    this.guardsBelow = guardsBelow;
    this.timeout = timeout;
  }

  /**
   * @param canonicalDatabase the database file's canonical path: the key every store shares
   * @param guardsBelow what the chain inside this guard does around each write; entered once for a
   *     batch of queued writes of this store, which then each re-enter it
   * @param timeout the bound on each wait for the lock
   * @return the guard for that file
   */
  public static JvmLockStrategy forDatabase(
      Path canonicalDatabase, WriteGuard guardsBelow, Duration timeout) {
    return new JvmLockStrategy(
        Objects.requireNonNull(canonicalDatabase, "canonicalDatabase"),
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

package dev.settingsguard.locking.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * {@code JVM_LOCK}: one {@link CombiningLock} per database, shared by every store on it in this JVM
 * whatever name opened it, so two injectors on one database still exclude each other and different
 * databases never contend. Writes run one at a time in arrival order, so no writer waits behind a
 * stream of later ones, and a contended write costs no thread hand-off.
 *
 * <p>It does not exclude other processes.
 *
 * <p>A lock lives while a store uses it: the last store on a database to close removes it, so that
 * the registry does not grow with every database this JVM ever opened, and a file later created
 * with a deleted one's inode gets a lock of its own.
 */
public final class JvmLockStrategy implements WriteGuard {

  /** One entry per database that an open store of this JVM guards with this strategy. */
  private static final ConcurrentMap<Object, SharedLock> LOCKS = new ConcurrentHashMap<>();

  private final Object identity;
  private final CombiningLock lock;
  private final WriteGuard guardsBelow;
  private final Duration timeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  private JvmLockStrategy(Object identity, String name, WriteGuard guardsBelow, Duration timeout) {
    this.identity = identity;
    this.lock =
        LOCKS.compute(
                identity,
                (key, shared) -> {
                  SharedLock entry =
                      shared != null
                          ? shared
                          : new SharedLock(new CombiningLock("JVM lock on " + name));
                  entry.users++;
                  return entry;
                })
            .lock;
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

  /** Removes the database's lock when the last store using it in this JVM closes. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      LOCKS.computeIfPresent(identity, (key, shared) -> --shared.users == 0 ? null : shared);
    }
  }

  @Override
  public String toString() {
    return "JvmLock";
  }

  /** A lock and the number of open stores using it; {@code users} is guarded by its map entry. */
  private static final class SharedLock {
    final CombiningLock lock;
    int users;

    SharedLock(CombiningLock lock) {
      this.lock = lock;
    }
  }
}

package dev.settingsguard.locking.internal;

import java.time.Duration;
import java.util.Objects;
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

  /** One lock per database that an open store of this JVM guards with this strategy. */
  private static final SharedByStores<Object, CombiningLock> LOCKS =
      new SharedByStores<>(lock -> {});

  private final SharedByStores<Object, CombiningLock>.Lease lease;
  private final WriteGuard guardsBelow;
  private final Duration timeout;

  private JvmLockStrategy(Object identity, String name, WriteGuard guardsBelow, Duration timeout) {
    this.lease = LOCKS.lease(identity, key -> new CombiningLock("JVM lock on " + name));
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
    return lease.value().run(operation, guardsBelow, timeout);
  }

  /** Removes the database's lock when the last store using it in this JVM closes. */
  @Override
  public void close() {
    lease.close();
  }

  @Override
  public String toString() {
    return "JvmLock";
  }
}

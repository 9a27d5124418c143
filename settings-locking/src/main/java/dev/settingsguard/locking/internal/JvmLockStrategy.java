package dev.settingsguard.locking.internal;

import dev.settingsguard.core.AiProvider;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code JVM_LOCK}: one {@link CombiningLock} per database, shared by every store on it in this JVM
 * whatever name opened it, so two injectors on one database still exclude each other and different
 * databases never contend. Writes run one at a time in arrival order, so no writer waits behind a
 * stream of later ones, and a contended write costs no thread hand-off. Activations of one store
 * queued one behind the other are made together, in one round trip on PostgreSQL.
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
  private final Function<List<Long>, List<AiProvider>> activationsTogether;
  private final Duration timeout;

  private JvmLockStrategy(
      Object identity,
      String name,
      WriteGuard guardsBelow,
      Function<List<Long>, List<AiProvider>> activationsTogether,
      Duration timeout) {
    this.lease = LOCKS.lease(identity, key -> new CombiningLock("JVM lock on " + name));
    this.guardsBelow = guardsBelow;
    this.activationsTogether = activationsTogether;
    this.timeout = timeout;
  }

  /**
   * @param identity what identifies the database, equal for every store on it: the key they share
   * @param name the database's name in messages
   * @param guardsBelow what the chain inside this guard does around each write; entered once for a
   *     batch of queued writes of this store, which then each re-enter it
   * @param activationsTogether makes the activations of the queued providers one after the other in
   *     one step, inside {@code guardsBelow}, all or nothing (e.g. in one round trip); queued
   *     activations of this store that follow each other in a batch are handed to it together
   * @param timeout the bound on each wait for the lock
   * @return the guard for that database
   */
  public static JvmLockStrategy forDatabase(
      Object identity,
      String name,
      WriteGuard guardsBelow,
      Function<List<Long>, List<AiProvider>> activationsTogether,
      Duration timeout) {
    return new JvmLockStrategy(
        Objects.requireNonNull(identity, "identity"),
        Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(guardsBelow, "guardsBelow"),
        Objects.requireNonNull(activationsTogether, "activationsTogether"),
        Objects.requireNonNull(timeout, "timeout"));
  }

  @Override
  public <R> R around(Supplier<R> operation) {
    return lease.value().run(operation, guardsBelow, timeout);
  }

  @Override
  public AiProvider aroundActivation(long id, Supplier<AiProvider> activation) {
    return lease
        .value()
        .run(
            activation,
            new CombiningLock.Joinable<>(id, activationsTogether),
            guardsBelow,
            timeout);
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

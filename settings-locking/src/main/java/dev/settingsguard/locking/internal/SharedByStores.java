package dev.settingsguard.locking.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Values that every open store of this JVM on the same key shares, such as the lock of one
 * database: the first store's lease opens the value, the last one's close releases it, so that
 * nothing stays behind for a database no store uses any more.
 *
 * <p>Values are opened and released inside the map's per-key {@code compute}: a store of another
 * key never waits on them.
 *
 * @param <K> what identifies a value
 * @param <V> the value
 */
final class SharedByStores<K, V> {

  private final ConcurrentMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final Consumer<V> release;

  /**
   * @param release what to do with a value when its last lease closes
   */
  SharedByStores(Consumer<V> release) {
    this.release = release;
  }

  /**
   * @param key the value's key
   * @param open opens the value if no store holds it yet; what it throws, the lease throws, and
   *     nothing is kept
   * @return a lease of the value for one store
   */
  Lease lease(K key, Function<K, V> open) {
    Entry<V> entry =
        entries.compute(
            key,
            (k, shared) -> {
              Entry<V> held = shared != null ? shared : new Entry<>(open.apply(k));
              held.users++;
              return held;
            });
    return new Lease(key, entry.value);
  }

  /** One store's use of a shared value. */
  final class Lease implements AutoCloseable {
    private final K key;
    private final V value;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Lease(K key, V value) {
      this.key = key;
      this.value = value;
    }

    V value() {
      return value;
    }

    /** Releases the value if this was its last lease. Idempotent. */
    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        entries.computeIfPresent(
            key,
            (k, shared) -> {
              if (--shared.users > 0) {
                return shared;
              }
              release.accept(shared.value);
              return null;
            });
      }
    }
  }

  /** A value and the number of its open leases; {@code users} is guarded by the map's key. */
  private static final class Entry<V> {
    final V value;
    int users;

    Entry(V value) {
      this.value = value;
    }
  }
}

package dev.settingsguard.locking.internal;

import dev.settingsguard.core.AiProvider;
import java.util.function.Supplier;

/**
 * What a strategy does around one write operation: acquire, run, release in {@code finally}. A
 * guard keeps the exact result and exception of what it wraps, except that a write run in a batch
 * with others fails with the batch's failure when the batch as a whole fails (its commit, say).
 */
public interface WriteGuard extends AutoCloseable {

  /**
   * Runs one whole write operation under this guard.
   *
   * @param operation the operation, typically a call to the wrapped store
   * @param <R> its result type
   * @return its result
   * @throws dev.settingsguard.core.SettingsBusyException if the guard was not obtained within the
   *     lock timeout, or the wait was interrupted; the operation did not run
   */
  <R> R around(Supplier<R> operation);

  /**
   * Runs one activation under this guard, as {@link #around} does; a guard that queues writes may
   * instead hand it, with the activations queued right behind it, to a function that makes them all
   * in one step. By default it runs alone.
   *
   * @param id the provider to activate
   * @param activation the activation alone, typically a call to the wrapped store
   * @return the activated provider
   */
  default AiProvider aroundActivation(long id, Supplier<AiProvider> activation) {
    return around(activation);
  }

  /**
   * @param outer the guard entered first
   * @param inner the guard entered inside it
   * @return a guard that runs each operation inside both, e.g. a file lock around a transaction
   */
  static WriteGuard nest(WriteGuard outer, WriteGuard inner) {
    return new WriteGuard() {
      @Override
      public <R> R around(Supplier<R> operation) {
        return outer.around(() -> inner.around(operation));
      }

      @Override
      public String toString() {
        return outer + "(" + inner + ")";
      }
    };
  }

  /** Releases what the guard holds between operations. Default: nothing. */
  @Override
  default void close() {}
}

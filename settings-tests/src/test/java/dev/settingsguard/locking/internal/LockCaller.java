package dev.settingsguard.locking.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A thread that calls a {@link CombiningLock} for a test: what the call returned or threw, and the
 * thread's interrupt flag as the call ended (read before the outcome is published, so a test that
 * has the outcome sees the flag).
 */
final class LockCaller {

  final Thread thread;
  final CompletableFuture<String> outcome = new CompletableFuture<>();
  final AtomicBoolean interruptedAfterwards = new AtomicBoolean();

  private LockCaller(String name, Supplier<String> call) {
    thread =
        new Thread(
            () -> {
              String result;
              try {
                result = call.get();
              } catch (RuntimeException | Error failure) {
                interruptedAfterwards.set(Thread.currentThread().isInterrupted());
                outcome.completeExceptionally(failure);
                return;
              }
              interruptedAfterwards.set(Thread.currentThread().isInterrupted());
              outcome.complete(result);
            },
            name);
  }

  /**
   * @param name the thread's name
   * @param call the call, typically {@code lock.run(...)}
   * @return the caller, started
   */
  static LockCaller start(String name, Supplier<String> call) {
    LockCaller caller = new LockCaller(name, call);
    caller.thread.start();
    return caller;
  }

  /**
   * Returns once the thread is parked on {@code blocker} (a lock's queue) or the call has ended.
   *
   * @param blocker what the thread parks on
   * @return this caller
   */
  LockCaller awaitParkedOn(Object blocker) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!outcome.isDone() && LockSupport.getBlocker(thread) != blocker) {
      assertThat(System.nanoTime() - deadline).as("%s never parked", thread).isNegative();
      Thread.onSpinWait();
    }
    return this;
  }

  /**
   * Returns once the thread, interrupted while parked, has taken its interrupt flag and parked on
   * {@code blocker} again (or the call has ended).
   *
   * @param blocker what the thread parks on
   */
  void awaitFlagTakenAndParkedOn(Object blocker) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!outcome.isDone()
        && (thread.isInterrupted() || LockSupport.getBlocker(thread) != blocker)) {
      assertThat(System.nanoTime() - deadline).as("%s never parked again", thread).isNegative();
      Thread.onSpinWait();
    }
  }

  /**
   * @return what the call threw
   * @throws AssertionError if it returned instead
   */
  Throwable failure() throws InterruptedException {
    try {
      outcome.get();
    } catch (ExecutionException expected) {
      return expected.getCause();
    }
    throw new AssertionError("expected a failure, got " + outcome.join());
  }

  /** Waits for the latch however often interrupted, and leaves the interrupt flag set if it was. */
  static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * @return a batch scope that only runs the batch, standing for guards below with nothing to do
   */
  static WriteGuard passThroughScope() {
    return new WriteGuard() {
      @Override
      public <R> R around(Supplier<R> batch) {
        return batch.get();
      }
    };
  }
}

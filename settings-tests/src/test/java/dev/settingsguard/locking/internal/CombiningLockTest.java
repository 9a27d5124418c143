package dev.settingsguard.locking.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsBusyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The combining lock with plain Java operations, so each rule is pinned without a database: every
 * caller gets its own outcome, operations queued while a batch runs join it in its scope, a failed
 * scope fails the batch, and timeouts and interrupts refuse only the operations they concern.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CombiningLockTest {

  private static final Duration LONG = Duration.ofSeconds(20);

  private final CombiningLock lock = new CombiningLock("test lock");
  private final CountingScope scope = new CountingScope();
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private final List<Thread> callers = new ArrayList<>();

  @AfterEach
  void releaseEveryone() throws InterruptedException {
    releaseFirst.countDown();
    for (Thread caller : callers) {
      caller.join(10_000);
    }
  }

  @Test
  void operationsQueuedWhileTheHolderRunsJoinItsBatchInArrivalOrder() throws Exception {
    CompletableFuture<String> first = holdTheLock();
    List<String> ran = new ArrayList<>();
    List<CompletableFuture<String>> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String name = "op-" + i;
      queued.add(
          queue(
              () -> {
                ran.add(name);
                return name;
              },
              scope,
              LONG));
    }

    releaseFirst.countDown();

    assertThat(first.get()).isEqualTo("first");
    for (int i = 0; i < 5; i++) {
      assertThat(queued.get(i).get()).isEqualTo("op-" + i);
    }
    assertThat(ran).containsExactly("op-0", "op-1", "op-2", "op-3", "op-4");
    assertThat(scope.entered).as("one scope for the holder and the five it queued").hasValue(1);
    assertThat(scope.ranInside).hasValue(6);
  }

  @Test
  void eachCallerInABatchGetsItsOwnResultOrException() throws Exception {
    CompletableFuture<String> first = holdTheLock();
    CompletableFuture<String> fine = queue(() -> "fine", scope, LONG);
    CompletableFuture<String> failing =
        queue(
            () -> {
              throw new IllegalArgumentException("only mine");
            },
            scope,
            LONG);
    CompletableFuture<String> alsoFine = queue(() -> "also fine", scope, LONG);

    releaseFirst.countDown();

    first.get();
    assertThat(fine.get()).isEqualTo("fine");
    assertThat(failure(failing)).isInstanceOf(IllegalArgumentException.class);
    assertThat(alsoFine.get()).isEqualTo("also fine");
    assertThat(scope.entered).hasValue(1);
  }

  @Test
  void whenTheBatchScopeFailsEveryOperationThatSucceededInItGetsThatFailure() throws Exception {
    RuntimeException commitFailure = new IllegalStateException("commit failed");
    scope.failAfterBatchWith(commitFailure);
    CompletableFuture<String> first = holdTheLock();
    CompletableFuture<String> succeeded = queue(() -> "not committed", scope, LONG);
    CompletableFuture<String> failedItself =
        queue(
            () -> {
              throw new IllegalArgumentException("its own failure");
            },
            scope,
            LONG);

    releaseFirst.countDown();

    assertThat(failure(first)).isSameAs(commitFailure);
    assertThat(failure(succeeded)).isSameAs(commitFailure);
    assertThat(failure(failedItself)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void operationsWithDifferentScopesAreNotBatchedTogether() throws Exception {
    CountingScope otherScope = new CountingScope();
    CompletableFuture<String> first = holdTheLock();
    List<CompletableFuture<String>> queued = new ArrayList<>();
    queued.add(queue(() -> "a1", scope, LONG));
    queued.add(queue(() -> "a2", scope, LONG));
    queued.add(queue(() -> "b1", otherScope, LONG));
    queued.add(queue(() -> "b2", otherScope, LONG));

    releaseFirst.countDown();

    first.get();
    for (CompletableFuture<String> future : queued) {
      future.get();
    }
    assertThat(scope.ranInside).as("the holder, a1, a2").hasValue(3);
    assertThat(otherScope.ranInside).as("b1, b2").hasValue(2);
    assertThat(otherScope.entered).hasValue(1);
  }

  @Test
  void aPendingOperationIsRefusedAtTheTimeoutAndNeverRuns() throws Exception {
    CompletableFuture<String> first = holdTheLock();
    AtomicBoolean ran = new AtomicBoolean();
    CompletableFuture<String> refused =
        queue(
            () -> {
              ran.set(true);
              return "late";
            },
            scope,
            Duration.ofMillis(200));

    assertThat(failure(refused))
        .isInstanceOf(SettingsBusyException.class)
        .hasMessageContaining("test lock");
    releaseFirst.countDown();
    first.get();
    assertThat(ran).as("a refused operation never runs").isFalse();
  }

  @Test
  void anInterruptedWaiterIsRefusedWithItsFlagSetAndItsOperationNeverRuns() throws Exception {
    CompletableFuture<String> first = holdTheLock();
    AtomicBoolean ran = new AtomicBoolean();
    AtomicBoolean flagAfterwards = new AtomicBoolean();
    CompletableFuture<String> interrupted =
        queue(
            () -> {
              ran.set(true);
              return "late";
            },
            scope,
            LONG,
            flagAfterwards);
    Thread waiter = callers.get(callers.size() - 1);

    waiter.interrupt();

    assertThat(failure(interrupted))
        .isInstanceOf(SettingsBusyException.class)
        .hasMessageContaining("wait interrupted");
    assertThat(flagAfterwards).as("interrupt flag set again").isTrue();
    releaseFirst.countDown();
    first.get();
    assertThat(ran).isFalse();
  }

  @Test
  void interruptingTheCombinerRefusesNoneOfTheOperationsItWasRunningForOthers() throws Exception {
    // The holder's own operation has another scope, so the two queued behind it form the next
    // batch, which the holder runs after its own: its scope waits, as BEGIN IMMEDIATE waits for
    // SQLite's lock, when the holder is interrupted.
    CountingScope waitingScope = new CountingScope();
    CountDownLatch scopeWaiting = new CountDownLatch(1);
    waitingScope.waitInterruptiblyOnFirstEntry(scopeWaiting);
    AtomicBoolean combinerFlag = new AtomicBoolean();
    CompletableFuture<String> first = holdTheLock(combinerFlag);
    Thread combiner = callers.get(0);
    CompletableFuture<String> second = queue(() -> "second", waitingScope, LONG);
    CompletableFuture<String> third = queue(() -> "third", waitingScope, LONG);
    releaseFirst.countDown();
    assertThat(scopeWaiting.await(10, TimeUnit.SECONDS))
        .as("the combiner waits in the scope")
        .isTrue();

    combiner.interrupt();

    assertThat(first.get()).as("the combiner's own operation had finished").isEqualTo("first");
    assertThat(combinerFlag).as("the combiner keeps its interrupt").isTrue();
    assertThat(second.get()).isEqualTo("second");
    assertThat(third.get()).isEqualTo("third");
    assertThat(waitingScope.entered).as("entered again by the next combiner").hasValue(2);
    assertThat(waitingScope.ranInside).hasValue(2);
  }

  @Test
  void anOperationThatRunsAnotherUnderTheSameLockRunsItDirectly() throws Exception {
    CompletableFuture<String> outer =
        queue(() -> lock.run(() -> "inner", scope, Duration.ofMillis(100)), scope, LONG);

    assertThat(outer.get()).isEqualTo("inner");
  }

  /** Starts a caller whose operation holds the lock until {@code releaseFirst}. */
  private CompletableFuture<String> holdTheLock() throws InterruptedException {
    return holdTheLock(new AtomicBoolean());
  }

  private CompletableFuture<String> holdTheLock(AtomicBoolean flagAfterwards)
      throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    CompletableFuture<String> first =
        start(
            () -> {
              holding.countDown();
              awaitUninterruptibly(releaseFirst);
              return "first";
            },
            scope,
            LONG,
            flagAfterwards);
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    return first;
  }

  private CompletableFuture<String> queue(
      Supplier<String> operation, WriteGuard batchScope, Duration timeout) {
    return queue(operation, batchScope, timeout, new AtomicBoolean());
  }

  /**
   * Starts a caller and returns once it is parked in the lock's queue (or has finished), so callers
   * queue in the order this is called.
   */
  private CompletableFuture<String> queue(
      Supplier<String> operation,
      WriteGuard batchScope,
      Duration timeout,
      AtomicBoolean flagAfterwards) {
    CompletableFuture<String> outcome = start(operation, batchScope, timeout, flagAfterwards);
    Thread caller = callers.get(callers.size() - 1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!outcome.isDone() && LockSupport.getBlocker(caller) != lock) {
      assertThat(System.nanoTime() - deadline).as("%s never queued", caller).isNegative();
      Thread.onSpinWait();
    }
    return outcome;
  }

  /** Runs {@code operation} under the lock on a new caller thread. */
  private CompletableFuture<String> start(
      Supplier<String> operation,
      WriteGuard batchScope,
      Duration timeout,
      AtomicBoolean flagAfterwards) {
    CompletableFuture<String> outcome = new CompletableFuture<>();
    Supplier<String> counted =
        () -> {
          if (batchScope instanceof CountingScope counting && counting.inside) {
            counting.ranInside.incrementAndGet();
          }
          return operation.get();
        };
    Thread caller =
        new Thread(
            () -> {
              String result;
              try {
                result = lock.run(counted, batchScope, timeout);
              } catch (RuntimeException failure) {
                flagAfterwards.set(Thread.currentThread().isInterrupted());
                outcome.completeExceptionally(failure);
                return;
              }
              flagAfterwards.set(Thread.currentThread().isInterrupted());
              outcome.complete(result);
            },
            "caller-" + callers.size());
    callers.add(caller);
    caller.start();
    return outcome;
  }

  private static Throwable failure(CompletableFuture<String> future) throws InterruptedException {
    try {
      future.get();
    } catch (ExecutionException expected) {
      return expected.getCause();
    }
    throw new AssertionError("expected a failure, got " + future.join());
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
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
   * Stands for the guards below a lock: counts how often it is entered and how many operations run
   * inside; can fail after the batch, like a commit, or wait on first entry, like {@code BEGIN
   * IMMEDIATE} for SQLite's lock, refusing when interrupted.
   */
  private static final class CountingScope implements WriteGuard {
    final AtomicInteger entered = new AtomicInteger();
    final AtomicInteger ranInside = new AtomicInteger();
    volatile boolean inside;
    private RuntimeException failAfterBatch;
    private CountDownLatch waitingOnFirstEntry;

    void failAfterBatchWith(RuntimeException failure) {
      failAfterBatch = failure;
    }

    void waitInterruptiblyOnFirstEntry(CountDownLatch waiting) {
      waitingOnFirstEntry = waiting;
    }

    @Override
    public <R> R around(Supplier<R> batch) {
      if (entered.incrementAndGet() == 1 && waitingOnFirstEntry != null) {
        waitingOnFirstEntry.countDown();
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException interrupt) {
          Thread.currentThread().interrupt();
          throw SettingsBusyException.interrupted("scope", Duration.ZERO, interrupt);
        }
      }
      inside = true;
      try {
        R result = batch.get();
        if (failAfterBatch != null) {
          throw failAfterBatch;
        }
        return result;
      } finally {
        inside = false;
      }
    }
  }
}

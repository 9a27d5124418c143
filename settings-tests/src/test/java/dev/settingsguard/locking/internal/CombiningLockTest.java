package dev.settingsguard.locking.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsBusyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
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
  private final List<LockCaller> callers = new ArrayList<>();

  @AfterEach
  void releaseEveryone() throws InterruptedException {
    releaseFirst.countDown();
    for (LockCaller caller : callers) {
      caller.thread.join(10_000);
    }
  }

  @Test
  void operationsQueuedWhileTheHolderRunsJoinItsBatchInArrivalOrder() throws Exception {
    LockCaller first = holdTheLock();
    List<String> ran = new ArrayList<>();
    List<LockCaller> queued = new ArrayList<>();
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

    assertThat(first.outcome.get()).isEqualTo("first");
    for (int i = 0; i < 5; i++) {
      assertThat(queued.get(i).outcome.get()).isEqualTo("op-" + i);
    }
    assertThat(ran).containsExactly("op-0", "op-1", "op-2", "op-3", "op-4");
    assertThat(scope.entered).as("one scope for the holder and the five it queued").hasValue(1);
    assertThat(scope.ranInside).hasValue(6);
  }

  @Test
  void eachCallerInABatchGetsItsOwnResultOrException() throws Exception {
    LockCaller first = holdTheLock();
    LockCaller fine = queue(() -> "fine", scope, LONG);
    LockCaller failing =
        queue(
            () -> {
              throw new IllegalArgumentException("only mine");
            },
            scope,
            LONG);
    LockCaller alsoFine = queue(() -> "also fine", scope, LONG);

    releaseFirst.countDown();

    first.outcome.get();
    assertThat(fine.outcome.get()).isEqualTo("fine");
    assertThat(failing.failure()).isInstanceOf(IllegalArgumentException.class);
    assertThat(alsoFine.outcome.get()).isEqualTo("also fine");
    assertThat(scope.entered).hasValue(1);
  }

  @Test
  void whenTheBatchScopeFailsEveryOperationThatSucceededInItGetsThatFailure() throws Exception {
    RuntimeException commitFailure = new IllegalStateException("commit failed");
    scope.failAfterBatchWith(commitFailure);
    LockCaller first = holdTheLock();
    LockCaller succeeded = queue(() -> "not committed", scope, LONG);
    LockCaller failedItself =
        queue(
            () -> {
              throw new IllegalArgumentException("its own failure");
            },
            scope,
            LONG);

    releaseFirst.countDown();

    assertThat(first.failure()).isSameAs(commitFailure);
    assertThat(succeeded.failure()).isSameAs(commitFailure);
    assertThat(failedItself.failure()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void operationsWithDifferentScopesAreNotBatchedTogether() throws Exception {
    CountingScope otherScope = new CountingScope();
    LockCaller first = holdTheLock();
    List<LockCaller> queued = new ArrayList<>();
    queued.add(queue(() -> "a1", scope, LONG));
    queued.add(queue(() -> "a2", scope, LONG));
    queued.add(queue(() -> "b1", otherScope, LONG));
    queued.add(queue(() -> "b2", otherScope, LONG));

    releaseFirst.countDown();

    first.outcome.get();
    for (LockCaller caller : queued) {
      caller.outcome.get();
    }
    assertThat(scope.ranInside).as("the holder, a1, a2").hasValue(3);
    assertThat(otherScope.ranInside).as("b1, b2").hasValue(2);
    assertThat(otherScope.entered).hasValue(1);
  }

  @Test
  void aPendingOperationIsRefusedAtTheTimeoutAndNeverRuns() throws Exception {
    LockCaller first = holdTheLock();
    AtomicBoolean ran = new AtomicBoolean();
    LockCaller refused =
        queue(
            () -> {
              ran.set(true);
              return "late";
            },
            scope,
            Duration.ofMillis(200));

    assertThat(refused.failure())
        .isInstanceOf(SettingsBusyException.class)
        .hasMessageContaining("test lock");
    releaseFirst.countDown();
    first.outcome.get();
    assertThat(ran).as("a refused operation never runs").isFalse();
  }

  @Test
  void anInterruptedWaiterIsRefusedWithItsFlagSetAndItsOperationNeverRuns() throws Exception {
    LockCaller first = holdTheLock();
    AtomicBoolean ran = new AtomicBoolean();
    LockCaller interrupted =
        queue(
            () -> {
              ran.set(true);
              return "late";
            },
            scope,
            LONG);

    interrupted.thread.interrupt();

    assertThat(interrupted.failure())
        .isInstanceOf(SettingsBusyException.class)
        .hasMessageContaining("wait interrupted");
    assertThat(interrupted.interruptedAfterwards).as("interrupt flag set again").isTrue();
    releaseFirst.countDown();
    first.outcome.get();
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
    LockCaller first = holdTheLock();
    LockCaller second = queue(() -> "second", waitingScope, LONG);
    LockCaller third = queue(() -> "third", waitingScope, LONG);
    releaseFirst.countDown();
    assertThat(scopeWaiting.await(10, TimeUnit.SECONDS))
        .as("the combiner waits in the scope")
        .isTrue();

    first.thread.interrupt();

    assertThat(first.outcome.get())
        .as("the combiner's own operation had finished")
        .isEqualTo("first");
    assertThat(first.interruptedAfterwards).as("the combiner keeps its interrupt").isTrue();
    assertThat(second.outcome.get()).isEqualTo("second");
    assertThat(third.outcome.get()).isEqualTo("third");
    assertThat(waitingScope.entered).as("entered again by the next combiner").hasValue(2);
    assertThat(waitingScope.ranInside).hasValue(2);
  }

  @Test
  void aCallerInterruptedWhileTheCombinerRunsItsOperationIsRefusedWhenItIsQueuedAgain()
      throws Exception {
    CountingScope waitingScope = new CountingScope();
    CountDownLatch scopeWaiting = new CountDownLatch(1);
    waitingScope.waitInterruptiblyOnFirstEntry(scopeWaiting);
    LockCaller first = holdTheLock();
    AtomicBoolean ran = new AtomicBoolean();
    LockCaller second =
        queue(
            () -> {
              ran.set(true);
              return "second";
            },
            waitingScope,
            LONG);
    releaseFirst.countDown();
    assertThat(scopeWaiting.await(10, TimeUnit.SECONDS)).isTrue();
    // The combiner has started the second operation and waits in its scope. The second caller's
    // interrupt cannot stop it there: the caller takes its flag and waits on.
    second.thread.interrupt();
    second.awaitFlagTakenAndParkedOn(lock);

    first.thread.interrupt(); // refuses the second operation in the scope: it is queued again

    assertThat(first.outcome.get()).isEqualTo("first");
    assertThat(second.failure())
        .isInstanceOf(SettingsBusyException.class)
        .hasMessageContaining("wait interrupted");
    assertThat(second.interruptedAfterwards).as("interrupt flag set again").isTrue();
    assertThat(ran).as("refused before it ran").isFalse();
  }

  @Test
  void joinableOperationsQueuedOneBehindTheOtherRunInOneCall() throws Exception {
    LockCaller first = holdTheLock();
    Function<List<String>, List<String>> together = joinedCall();
    LockCaller a = queueJoinable("a", together);
    LockCaller b = queueJoinable("b", together);
    LockCaller c = queueJoinable("c", together);
    LockCaller plain = queue(() -> "plain", scope, LONG);
    LockCaller d = queueJoinable("d", together);
    LockCaller e = queueJoinable("e", joinedCall()); // another function: not joined to d

    releaseFirst.countDown();

    first.outcome.get();
    assertThat(a.outcome.get()).isEqualTo("a together");
    assertThat(b.outcome.get()).isEqualTo("b together");
    assertThat(c.outcome.get()).isEqualTo("c together");
    assertThat(plain.outcome.get()).isEqualTo("plain");
    assertThat(d.outcome.get()).isEqualTo("d alone");
    assertThat(e.outcome.get()).isEqualTo("e alone");
    assertThat(joinedCalls).containsExactly(List.of("a", "b", "c"));
    assertThat(scope.entered).as("one batch").hasValue(1);
  }

  @Test
  void whenTheJoinedCallFailsEachOperationRunsAloneWithItsOwnOutcome() throws Exception {
    failing = "b";
    LockCaller first = holdTheLock();
    Function<List<String>, List<String>> together = joinedCall();
    LockCaller a = queueJoinable("a", together);
    LockCaller b = queueJoinable("b", together);
    LockCaller c = queueJoinable("c", together);

    releaseFirst.countDown();

    first.outcome.get();
    assertThat(joinedCalls).containsExactly(List.of("a", "b", "c"));
    assertThat(a.outcome.get()).isEqualTo("a alone");
    assertThat(b.failure()).isInstanceOf(IllegalArgumentException.class).hasMessage("b alone");
    assertThat(c.outcome.get()).isEqualTo("c alone");
    assertThat(scope.entered).as("one batch").hasValue(1);
  }

  /** Joined calls record their arguments here. */
  private final List<List<String>> joinedCalls = new CopyOnWriteArrayList<>();

  /** The argument whose operation fails, alone and joined; {@code null}: none. */
  private volatile String failing;

  /** A new function for joined operations, which fails if one of them is {@link #failing}. */
  private Function<List<String>, List<String>> joinedCall() {
    return arguments -> {
      joinedCalls.add(List.copyOf(arguments));
      if (arguments.contains(failing)) {
        throw new IllegalArgumentException(failing + " together");
      }
      return arguments.stream().map(argument -> argument + " together").toList();
    };
  }

  /** Queues a joinable operation, which alone returns "{@code argument} alone". */
  private LockCaller queueJoinable(String argument, Function<List<String>, List<String>> together) {
    Supplier<String> alone =
        () -> {
          if (argument.equals(failing)) {
            throw new IllegalArgumentException(argument + " alone");
          }
          return argument + " alone";
        };
    LockCaller caller =
        LockCaller.start(
            "caller-" + callers.size(),
            () -> lock.run(alone, new CombiningLock.Joinable<>(argument, together), scope, LONG));
    callers.add(caller);
    return caller.awaitParkedOn(lock);
  }

  @Test
  void anOperationThatRunsAnotherUnderTheSameLockRunsItDirectly() throws Exception {
    LockCaller outer =
        queue(() -> lock.run(() -> "inner", scope, Duration.ofMillis(100)), scope, LONG);

    assertThat(outer.outcome.get()).isEqualTo("inner");
  }

  /** Starts a caller whose operation holds the lock until {@code releaseFirst}. */
  private LockCaller holdTheLock() throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    LockCaller first =
        start(
            () -> {
              holding.countDown();
              LockCaller.awaitUninterruptibly(releaseFirst);
              return "first";
            },
            scope,
            LONG);
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    return first;
  }

  /**
   * Starts a caller and returns once it is parked in the lock's queue (or has finished), so callers
   * queue in the order this is called.
   */
  private LockCaller queue(Supplier<String> operation, WriteGuard batchScope, Duration timeout) {
    return start(operation, batchScope, timeout).awaitParkedOn(lock);
  }

  /** Runs {@code operation} under the lock on a new caller thread. */
  private LockCaller start(Supplier<String> operation, WriteGuard batchScope, Duration timeout) {
    Supplier<String> counted =
        () -> {
          if (batchScope instanceof CountingScope counting && counting.inside) {
            counting.ranInside.incrementAndGet();
          }
          return operation.get();
        };
    LockCaller caller =
        LockCaller.start("caller-" + callers.size(), () -> lock.run(counted, batchScope, timeout));
    callers.add(caller);
    return caller;
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

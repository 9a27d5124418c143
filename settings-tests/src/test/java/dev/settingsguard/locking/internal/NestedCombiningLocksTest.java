package dev.settingsguard.locking.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsBusyException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two combining locks nested the way the {@code ALL} chain nests them: the JVM lock's batch scope
 * enters the lock file's in-JVM lock, which a {@code FILE_LOCK}-only store on the same file shares.
 * That store's caller, combining the inner lock, then runs the outer lock's whole batch on its own
 * thread: its interrupt must refuse none of the outer callers, and a batch it got refused must run
 * again and report the outcome that was committed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NestedCombiningLocksTest {
  static final Duration LONG = Duration.ofSeconds(20);

  final CombiningLock outer = new CombiningLock("outer (JVM) lock");
  final CombiningLock inner = new CombiningLock("inner (lock file's in-JVM) lock");

  /** Like a busy-handler wait: refuses when the current thread is interrupted. */
  static String interruptible(String name) {
    if (Thread.currentThread().isInterrupted()) {
      throw SettingsBusyException.interrupted(
          "write lock", Duration.ZERO, new InterruptedException("busy wait interrupted"));
    }
    return name;
  }

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

  static void waitParkedOn(Thread t, Object blocker) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (LockSupport.getBlocker(t) != blocker) {
      assertThat(System.nanoTime() - deadline).isNegative();
      Thread.onSpinWait();
    }
  }

  @Test
  void anotherLocksCombinersInterruptRefusesNoCallerOfThisLock() throws Exception {
    WriteGuard innerScopeOfOtherStore =
        new WriteGuard() {
          public <R> R around(Supplier<R> op) {
            return op.get();
          }
        };
    WriteGuard innerScopeOfThisStore =
        new WriteGuard() {
          public <R> R around(Supplier<R> op) {
            return op.get();
          }
        };
    // The JVM lock's batch scope: enter the inner lock (as nest(fileLock, tx) does).
    WriteGuard outerScope =
        new WriteGuard() {
          public <R> R around(Supplier<R> batch) {
            return inner.run(batch, innerScopeOfThisStore, LONG);
          }
        };

    // T2: a FILE_LOCK-only caller holding the inner lock.
    CountDownLatch t2Holding = new CountDownLatch(1);
    CountDownLatch releaseT2 = new CountDownLatch(1);
    CompletableFuture<String> t2Result = new CompletableFuture<>();
    Thread t2 =
        new Thread(
            () -> {
              try {
                t2Result.complete(
                    inner.run(
                        () -> {
                          t2Holding.countDown();
                          awaitUninterruptibly(releaseT2);
                          return "t2";
                        },
                        innerScopeOfOtherStore,
                        LONG));
              } catch (Throwable t) {
                t2Result.completeExceptionally(t);
              }
            },
            "T2-inner-combiner");
    t2.start();
    assertThat(t2Holding.await(10, TimeUnit.SECONDS)).isTrue();

    // T1: outer combiner; its op1 blocks while running so we can interrupt whichever thread runs
    // it.
    AtomicReference<Thread> ranOp1 = new AtomicReference<>();
    CountDownLatch op1Running = new CountDownLatch(1);
    CountDownLatch releaseOp1 = new CountDownLatch(1);
    CompletableFuture<String> t1Result = new CompletableFuture<>();
    Thread t1 =
        new Thread(
            () -> {
              try {
                t1Result.complete(
                    outer.run(
                        () -> {
                          ranOp1.set(Thread.currentThread());
                          op1Running.countDown();
                          awaitUninterruptibly(releaseOp1);
                          return "op1";
                        },
                        outerScope,
                        LONG));
              } catch (Throwable t) {
                t1Result.completeExceptionally(t);
              }
            },
            "T1-outer-combiner");
    t1.start();
    waitParkedOn(t1, inner); // T1 holds the outer lock, queued on the inner lock

    // A: an outer caller, queued behind T1, same scope, never interrupted.
    AtomicBoolean aFlag = new AtomicBoolean();
    CompletableFuture<String> aResult = new CompletableFuture<>();
    Thread a =
        new Thread(
            () -> {
              try {
                aResult.complete(outer.run(() -> interruptible("opA"), outerScope, LONG));
              } catch (Throwable t) {
                aResult.completeExceptionally(t);
              }
              aFlag.set(Thread.currentThread().isInterrupted());
            },
            "A-outer-caller");
    a.start();
    waitParkedOn(a, outer);

    releaseT2.countDown(); // T2 finishes its own op, then runs T1's inner request: the outer batch
    assertThat(op1Running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ranOp1.get()).as("the outer batch runs on the inner combiner's thread").isSameAs(t2);
    ranOp1.get().interrupt(); // an interrupt aimed at T2's caller (a FILE_LOCK-only writer)
    releaseOp1.countDown();

    assertThat(t1Result.get()).isEqualTo("op1");
    String aOutcome = aResult.handle((r, e) -> r != null ? r : "REFUSED: " + e).get();
    assertThat(aFlag).as("A's interrupt flag").isFalse();
    assertThat(aOutcome)
        .as("A was never interrupted, nor was the outer combiner T1")
        .isEqualTo("opA");
  }

  @Test
  void aBatchRefusedByAnotherThreadsInterruptRunsAgainAndReportsItsLastRun() throws Exception {
    WriteGuard otherStoreScope =
        new WriteGuard() {
          public <R> R around(Supplier<R> op) {
            return op.get();
          }
        };
    AtomicInteger entries = new AtomicInteger();
    WriteGuard thisStoreInnerScope =
        new WriteGuard() {
          public <R> R around(Supplier<R> batch) {
            R r = batch.get();
            if (entries.incrementAndGet() == 1) {
              throw new SettingsBusyException(
                  "commit", Duration.ZERO); // first commit refused as busy
            }
            return r;
          }
        };
    WriteGuard outerScope =
        new WriteGuard() {
          public <R> R around(Supplier<R> batch) {
            return inner.run(batch, thisStoreInnerScope, LONG);
          }
        };
    CountDownLatch t2Holding = new CountDownLatch(1);
    CountDownLatch releaseT2 = new CountDownLatch(1);
    Thread t2 =
        new Thread(
            () ->
                inner.run(
                    () -> {
                      t2Holding.countDown();
                      awaitUninterruptibly(releaseT2);
                      return "t2";
                    },
                    otherStoreScope,
                    LONG),
            "T2");
    t2.start();
    assertThat(t2Holding.await(10, TimeUnit.SECONDS)).isTrue();

    AtomicInteger runs = new AtomicInteger();
    CompletableFuture<String> t1Result = new CompletableFuture<>();
    Thread t1 =
        new Thread(
            () -> {
              try {
                t1Result.complete(
                    outer.run(
                        () -> {
                          if (runs.incrementAndGet() == 1) {
                            Thread.currentThread()
                                .interrupt(); // T2's caller is interrupted meanwhile
                            throw new IllegalStateException("first run failed");
                          }
                          return "second run succeeded";
                        },
                        outerScope,
                        LONG));
              } catch (Throwable e) {
                t1Result.completeExceptionally(e);
              }
            },
            "T1");
    t1.start();
    waitParkedOn(t1, inner);
    releaseT2.countDown();

    String outcome = t1Result.handle((r, e) -> r != null ? r : "FAILED: " + e).get();
    assertThat(runs).as("run again after a refusal its caller must not see").hasValue(2);
    assertThat(outcome)
        .as("the outcome of the run that was committed, not of the one rolled back")
        .isEqualTo("second run succeeded");
  }
}

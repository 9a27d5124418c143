package dev.settingsguard.locking.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsBusyException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

  @Test
  void anotherLocksCombinersInterruptRefusesNoCallerOfThisLock() throws Exception {
    WriteGuard innerScopeOfThisStore = LockCaller.passThroughScope();
    // The JVM lock's batch scope: enter the inner lock (as nest(fileLock, tx) does).
    WriteGuard outerScope =
        new WriteGuard() {
          @Override
          public <R> R around(Supplier<R> batch) {
            return inner.run(batch, innerScopeOfThisStore, LONG);
          }
        };

    // T2: a FILE_LOCK-only caller holding the inner lock.
    CountDownLatch t2Holding = new CountDownLatch(1);
    CountDownLatch releaseT2 = new CountDownLatch(1);
    LockCaller t2 =
        LockCaller.start(
            "T2-inner-combiner",
            () ->
                inner.run(
                    () -> {
                      t2Holding.countDown();
                      LockCaller.awaitUninterruptibly(releaseT2);
                      return "t2";
                    },
                    LockCaller.passThroughScope(),
                    LONG));
    assertThat(t2Holding.await(10, TimeUnit.SECONDS)).isTrue();

    // T1: outer combiner; its op1 blocks while running so we can interrupt whichever thread runs
    // it.
    AtomicReference<Thread> ranOp1 = new AtomicReference<>();
    CountDownLatch op1Running = new CountDownLatch(1);
    CountDownLatch releaseOp1 = new CountDownLatch(1);
    LockCaller t1 =
        LockCaller.start(
                "T1-outer-combiner",
                () ->
                    outer.run(
                        () -> {
                          ranOp1.set(Thread.currentThread());
                          op1Running.countDown();
                          LockCaller.awaitUninterruptibly(releaseOp1);
                          return "op1";
                        },
                        outerScope,
                        LONG))
            .awaitParkedOn(inner); // T1 holds the outer lock, queued on the inner lock

    // A: an outer caller, queued behind T1, same scope, never interrupted.
    LockCaller a =
        LockCaller.start(
                "A-outer-caller", () -> outer.run(() -> interruptible("opA"), outerScope, LONG))
            .awaitParkedOn(outer);

    releaseT2.countDown(); // T2 finishes its own op, then runs T1's inner request: the outer batch
    assertThat(op1Running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ranOp1.get())
        .as("the outer batch runs on the inner combiner's thread")
        .isSameAs(t2.thread);
    ranOp1.get().interrupt(); // an interrupt aimed at T2's caller (a FILE_LOCK-only writer)
    releaseOp1.countDown();

    assertThat(t1.outcome.get()).isEqualTo("op1");
    String aOutcome = a.outcome.handle((r, e) -> r != null ? r : "REFUSED: " + e).get();
    assertThat(a.interruptedAfterwards).as("A's interrupt flag").isFalse();
    assertThat(aOutcome)
        .as("A was never interrupted, nor was the outer combiner T1")
        .isEqualTo("opA");
  }

  @Test
  void aBatchRefusedByAnotherThreadsInterruptRunsAgainAndReportsItsLastRun() throws Exception {
    AtomicInteger entries = new AtomicInteger();
    WriteGuard thisStoreInnerScope =
        new WriteGuard() {
          @Override
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
          @Override
          public <R> R around(Supplier<R> batch) {
            return inner.run(batch, thisStoreInnerScope, LONG);
          }
        };
    CountDownLatch t2Holding = new CountDownLatch(1);
    CountDownLatch releaseT2 = new CountDownLatch(1);
    LockCaller.start(
        "T2",
        () ->
            inner.run(
                () -> {
                  t2Holding.countDown();
                  LockCaller.awaitUninterruptibly(releaseT2);
                  return "t2";
                },
                LockCaller.passThroughScope(),
                LONG));
    assertThat(t2Holding.await(10, TimeUnit.SECONDS)).isTrue();

    AtomicInteger runs = new AtomicInteger();
    LockCaller t1 =
        LockCaller.start(
                "T1",
                () ->
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
                        LONG))
            .awaitParkedOn(inner);
    releaseT2.countDown();

    String outcome = t1.outcome.handle((r, e) -> r != null ? r : "FAILED: " + e).get();
    assertThat(runs).as("run again after a refusal its caller must not see").hasValue(2);
    assertThat(outcome)
        .as("the outcome of the run that was committed, not of the one rolled back")
        .isEqualTo("second run succeeded");
  }
}

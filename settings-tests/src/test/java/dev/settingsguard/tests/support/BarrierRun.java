package dev.settingsguard.tests.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/**
 * Starts threads that wait on one {@link CyclicBarrier}, so their first operations start together,
 * then joins them within a bound. Failures are collected, not lost in the threads.
 */
public final class BarrierRun {

  /**
   * What the threads did.
   *
   * @param failures what the tasks threw
   * @param unfinished how many threads were still running at the deadline (then interrupted)
   */
  public record Result(List<Throwable> failures, int unfinished) {}

  private BarrierRun() {}

  /**
   * @param threads how many threads, each released by the same barrier
   * @param joinTimeout the bound on waiting for all of them
   * @param task what each thread runs, given its index {@code 0..threads-1}
   * @return the failures and the number of threads that did not finish
   * @throws InterruptedException if the calling thread is interrupted while joining
   */
  public static Result run(int threads, Duration joinTimeout, IntConsumer task)
      throws InterruptedException {
    CyclicBarrier barrier = new CyclicBarrier(threads);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> started = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int index = i;
      Thread thread =
          new Thread(
              () -> {
                try {
                  barrier.await();
                  task.accept(index);
                } catch (Throwable failure) {
                  failures.add(failure);
                }
              },
              "barrier-run-" + i);
      thread.start();
      started.add(thread);
    }
    long deadline = System.nanoTime() + joinTimeout.toNanos();
    int unfinished = 0;
    for (Thread thread : started) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        unfinished++;
        thread.interrupt();
      }
    }
    return new Result(List.copyOf(failures), unfinished);
  }
}

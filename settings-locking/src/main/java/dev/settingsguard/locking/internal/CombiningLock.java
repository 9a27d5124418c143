package dev.settingsguard.locking.internal;

import dev.settingsguard.core.SettingsBusyException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-JVM {@link ReentrantLock} whose holder also runs the operations queued behind it (flat
 * combining), so operations run one at a time, in arrival order, without a thread wake-up between
 * them.
 *
 * <p>A fair lock hands over to a parked thread after every operation, and waking it takes as long
 * as a whole write on a small machine (about 40 µs): 16 writer threads then get half the rate of
 * one. Here each caller queues its operation; whoever finds the lock free becomes the combiner and
 * runs queued operations, each caller's exactly once, handing each caller its result or exception.
 * After {@link #MAX_COMBINED} operations of others it hands the role to the thread at the head of
 * the queue, so no caller runs others' writes for long.
 *
 * <p>Operations run in batches inside their batch scope: what the guards below this lock do around
 * one operation (the transaction, the file lock), entered once per batch, which each operation then
 * re-enters cheaply (a savepoint, none for the first). A batch takes the queued operations that
 * share the head's scope, and those of that scope queued while it waits to enter the scope or runs,
 * up to {@link #MAX_BATCH}. Nobody learns an outcome before the batch's scope has ended, so a
 * result is only returned once its write is committed; if the scope itself fails, e.g. its commit,
 * every operation that had succeeded in the batch gets that failure.
 *
 * <p>An operation queued as {@link Joinable} runs in one call with the joinable operations queued
 * right behind it in its batch that share its {@code together} function, e.g. several activations
 * sent in one round trip. That call is all or nothing; if it fails, each of them runs alone, as any
 * other operation, so each caller still gets the outcome of its own operation.
 *
 * <p>Waits end the way every strategy reports them: a {@link SettingsBusyException} naming the lock
 * when the operation has not started by the deadline, or on an interrupt, with the flag set again.
 * An operation another thread has started is waited for to its end, and its outcome stands. A
 * combiner that is interrupted stops running others' operations and queues again those its
 * interrupt refused, so an interrupt aimed at one caller never refuses another's; their callers
 * then wait as before, and one interrupted meanwhile is refused.
 *
 * <p>Re-entrant: an operation that calls {@link #run} again runs the nested operation directly.
 */
final class CombiningLock {

  /**
   * Operations of other callers one combiner runs before handing the role on. Its own caller waits
   * for every batch it runs, so a larger bound lengthens the tail of that caller's latency without
   * raising the rate (docs/performance.md, "Figures behind constants").
   */
  static final int MAX_COMBINED = 16;

  /** Operations one batch runs under one scope, e.g. one commit. */
  static final int MAX_BATCH = 32;

  private static final Logger LOG = LoggerFactory.getLogger(CombiningLock.class);

  private final String resource;
  private final ConcurrentLinkedDeque<Request<?>> queue = new ConcurrentLinkedDeque<>();

  /** Held by the combiner; never waited on, only tried. */
  private final ReentrantLock combiner = new ReentrantLock();

  /**
   * @param resource how refusals name this lock, e.g. {@code "JVM lock on /data/settings.db"}
   */
  CombiningLock(String resource) {
    this.resource = resource;
  }

  /**
   * @return whether the current thread is running operations under this lock
   */
  boolean isHeldByCurrentThread() {
    return combiner.isHeldByCurrentThread();
  }

  /**
   * Runs the operation alone among this lock's operations, on this thread or on the thread
   * combining when it is its turn.
   *
   * @param operation the whole write, including the guards below this lock, which it re-enters
   * @param batchScope those guards, entered once around the batch this operation runs in
   * @param timeout how long it may wait to start; refusals report it
   * @param <R> its result type
   * @return its result
   * @throws SettingsBusyException if it did not start within the timeout, or the wait was
   *     interrupted; the operation did not run
   */
  <R> R run(Supplier<R> operation, WriteGuard batchScope, Duration timeout) {
    return run(operation, null, batchScope, timeout);
  }

  /**
   * Runs the operation as {@link #run(Supplier, WriteGuard, Duration)} does, or together with the
   * like operations queued right behind it in its batch, in one call of {@code joinable.together()}
   * inside the batch scope.
   *
   * @param operation the operation alone, including the guards below this lock
   * @param joinable its argument, and what runs it with the others; {@code null}: it runs alone
   * @param batchScope those guards, entered once around the batch this operation runs in
   * @param timeout how long it may wait to start; refusals report it
   * @param <A> the argument's type
   * @param <R> its result type
   * @return its result
   * @throws SettingsBusyException if it did not start within the timeout, or the wait was
   *     interrupted; the operation did not run
   */
  <A, R> R run(
      Supplier<R> operation, Joinable<A, R> joinable, WriteGuard batchScope, Duration timeout) {
    if (isHeldByCurrentThread()) {
      return operation.get();
    }
    Thread caller = Thread.currentThread();
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    Request<R> request = new Request<>(operation, joinable, batchScope, caller);
    queue.addLast(request);
    boolean interruptedWhileRunning = false;
    try {
      while (true) {
        if (request.isDone()) {
          return request.outcome();
        }
        if (request.isPending()
            && (interruptedWhileRunning
                || caller.isInterrupted()
                || System.nanoTime() - deadline >= 0)
            && request.cancel()) {
          queue.remove(request);
          if (!combiner.isLocked()) {
            wakeFirstPending(); // it may have been woken to combine, and leaves instead
          }
          throw refusal(interruptedWhileRunning || caller.isInterrupted(), start, timeout);
        }
        if (combiner.tryLock()) {
          try {
            combine(request);
          } finally {
            combiner.unlock();
            wakeFirstPending();
          }
        } else if (request.isPending()) {
          LockSupport.parkNanos(this, deadline - System.nanoTime());
        } else if (Thread.interrupted()) {
          // Another thread is running it; an interrupt cannot stop that. Park until it ends, and
          // give the caller its flag back then; if it is queued again, the interrupt refuses it.
          interruptedWhileRunning = true;
        } else {
          LockSupport.park(this);
        }
      }
    } finally {
      if (interruptedWhileRunning) {
        caller.interrupt();
      }
    }
  }

  /**
   * Runs queued operations in order until this caller's own is done and either the queue is empty
   * or {@link #MAX_COMBINED} others have run. Stops when interrupted: the caller's own operation,
   * if still pending, is then refused by {@link #run}, and the others wait for the next combiner.
   */
  private void combine(Request<?> own) {
    Thread self = Thread.currentThread();
    int othersRun = 0;
    List<Request<?>> batch = new ArrayList<>();
    while (!(own.isDone() && othersRun >= MAX_COMBINED) && !self.isInterrupted()) {
      takeBatch(batch);
      if (batch.isEmpty()) {
        return;
      }
      runBatch(batch);
      for (int i = batch.size() - 1; i >= 0; i--) {
        Request<?> request = batch.get(i);
        if (request.refusedByAnotherThreadsInterrupt()) {
          // The interrupt of the thread that ran it, not its caller's, refused it, and nothing of
          // it was committed: queue it again, in its place (backwards, so the batch keeps its
          // order).
          request.requeue();
          queue.addFirst(request);
          LockSupport.unpark(request.caller); // to look at its deadline and interrupt again
        } else {
          request.finish();
          if (request != own) {
            othersRun++;
            LockSupport.unpark(request.caller);
          }
        }
      }
    }
  }

  /** Starts a batch with the queue's head and the operations behind it that share its scope. */
  private void takeBatch(List<Request<?>> batch) {
    batch.clear();
    Request<?> head = queue.peekFirst();
    if (head != null) {
      claimQueued(batch, head.batchScope);
    }
  }

  /**
   * Claims queued operations from the head while they share {@code scope}, up to MAX_BATCH in the
   * batch.
   */
  private void claimQueued(List<Request<?>> batch, WriteGuard scope) {
    Request<?> next;
    while (batch.size() < MAX_BATCH && (next = queue.peekFirst()) != null) {
      if (next.batchScope != scope) {
        return;
      }
      if (queue.remove(next) && next.start()) {
        batch.add(next); // else its caller cancelled it
      }
    }
  }

  /**
   * Runs the batch in its scope. Operations queued while the scope was being entered (typically
   * while it waited for SQLite's write lock) or while the batch ran join it before its scope ends,
   * so they share the lock instead of waiting for it once more.
   */
  private void runBatch(List<Request<?>> batch) {
    WriteGuard scope = batch.get(0).batchScope;
    try {
      scope.around(
          () -> {
            boolean anyFailed = false;
            for (int i = 0; i < batch.size(); ) {
              int end = endOfJoined(batch, i);
              if (end - i < 2 || !runTogether(batch.subList(i, end))) {
                for (int alone = i; alone < end; alone++) {
                  Request<?> request = batch.get(alone);
                  request.execute();
                  anyFailed |= request.failure != null;
                }
              }
              i = end;
              // After a failure the transaction may be unusable (rolled back, a stale snapshot):
              // writes still queued wait for the next batch rather than join this one.
              if (i == batch.size() && !anyFailed) {
                claimQueued(batch, scope);
              }
            }
            return null;
          });
    } catch (RuntimeException | Error scopeFailure) {
      batch.forEach(request -> request.failIfSucceeded(scopeFailure));
    }
  }

  /**
   * @return the end (exclusive) of the operations from {@code from} on that join the one there: it
   *     and those behind it that share its {@code together} function; {@code from + 1} if it is not
   *     joinable
   */
  private static int endOfJoined(List<Request<?>> batch, int from) {
    Joinable<?, ?> first = batch.get(from).joinable;
    int end = from + 1;
    while (first != null
        && end < batch.size()
        && batch.get(end).joinable != null
        && batch.get(end).joinable.together() == first.together()) {
      end++;
    }
    return end;
  }

  /**
   * Runs joined operations in one call, handing each its result.
   *
   * @return whether the call succeeded; if not, it changed nothing, and the operations are still to
   *     run, each alone
   */
  @SuppressWarnings("unchecked") // joined operations share one function, so their types agree
  private static boolean runTogether(List<Request<?>> joined) {
    List<Object> arguments = new ArrayList<>(joined.size());
    joined.forEach(request -> arguments.add(request.joinable.argument()));
    List<?> results;
    try {
      results = ((Joinable<Object, Object>) joined.get(0).joinable).together().apply(arguments);
    } catch (RuntimeException | Error failure) {
      LOG.debug("{} operations run together failed; each runs alone", joined.size(), failure);
      return false;
    }
    if (results.size() != joined.size()) { // a defect: fail the batch, which commits nothing
      throw new IllegalStateException(
          results.size() + " results for " + joined.size() + " joined operations");
    }
    for (int i = 0; i < joined.size(); i++) {
      ((Request<Object>) joined.get(i)).succeeded(results.get(i));
    }
    return true;
  }

  /**
   * Lets an operation run in one call with the like operations queued right behind it, e.g. several
   * activations in one round trip.
   *
   * @param argument what this operation is given, e.g. the provider's id
   * @param together runs such operations in order, inside the batch scope, all or nothing, and
   *     returns their results in order; operations join when this is the same object
   * @param <A> the argument's type
   * @param <R> the result type
   */
  record Joinable<A, R>(A argument, Function<List<A>, List<R>> together) {}

  /** Wakes the first waiting caller to combine, so no queued operation waits for a combiner. */
  private void wakeFirstPending() {
    for (Request<?> request : queue) {
      if (request.isPending()) {
        LockSupport.unpark(request.caller);
        return;
      }
    }
  }

  private SettingsBusyException refusal(boolean interrupted, long start, Duration timeout) {
    if (interrupted) {
      return SettingsBusyException.interrupted(
          resource,
          Duration.ofNanos(System.nanoTime() - start),
          new InterruptedException("wait for the " + resource + " interrupted"));
    }
    return new SettingsBusyException(resource, timeout);
  }

  /** One queued operation and, once it has run, its outcome. */
  private static final class Request<R> {
    private static final int PENDING = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int CANCELLED = 3;
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Request.class, "state", int.class);
      } catch (ReflectiveOperationException impossible) {
        throw new ExceptionInInitializerError(impossible);
      }
    }

    final Thread caller;
    final WriteGuard batchScope;
    final Joinable<?, R> joinable;
    private final Supplier<R> operation;
    private volatile int state = PENDING;
    private R result;
    private Throwable failure;
    private boolean refusedByAnotherThreadsInterrupt;

    Request(Supplier<R> operation, Joinable<?, R> joinable, WriteGuard batchScope, Thread caller) {
      this.operation = operation;
      this.joinable = joinable;
      this.batchScope = batchScope;
      this.caller = caller;
    }

    boolean start() {
      return STATE.compareAndSet(this, PENDING, RUNNING);
    }

    boolean cancel() {
      return STATE.compareAndSet(this, PENDING, CANCELLED);
    }

    boolean isPending() {
      return state == PENDING;
    }

    boolean isDone() {
      return state == DONE;
    }

    /**
     * Runs the operation, keeping whatever it returns or throws; {@link #finish} publishes it. It
     * may run again after a refusal that {@link #refusedByAnotherThreadsInterrupt} says its caller
     * must not see; the last run's outcome is the one that counts.
     */
    void execute() {
      result = null;
      failure = null;
      try {
        result = operation.get();
      } catch (RuntimeException | Error thrown) {
        failure = thrown;
      }
      refusedByAnotherThreadsInterrupt = isRefusalByInterruptOfRunningThread(failure);
    }

    /** Keeps the result of the operation run with others ({@link #runTogether}). */
    void succeeded(R joinedResult) {
      result = joinedResult;
      failure = null;
      refusedByAnotherThreadsInterrupt = false;
    }

    /** Nothing of a batch is committed when its scope fails, whatever each operation returned. */
    void failIfSucceeded(Throwable scopeFailure) {
      if (failure == null) {
        result = null;
        failure = scopeFailure;
        refusedByAnotherThreadsInterrupt = isRefusalByInterruptOfRunningThread(scopeFailure);
      }
    }

    /**
     * A refusal caused by the interrupt of the thread running the operation when that is not its
     * caller: the combiner, or the combiner of another lock running this lock's batch in its scope.
     * Decided on the running thread, at once, before anything can clear its flag.
     */
    private boolean isRefusalByInterruptOfRunningThread(Throwable outcome) {
      Thread running = Thread.currentThread();
      return outcome instanceof SettingsBusyException
          && running != caller
          && running.isInterrupted();
    }

    boolean refusedByAnotherThreadsInterrupt() {
      return refusedByAnotherThreadsInterrupt;
    }

    void requeue() {
      result = null;
      failure = null;
      refusedByAnotherThreadsInterrupt = false;
      state = PENDING;
    }

    void finish() {
      state = DONE;
    }

    R outcome() {
      if (failure instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (failure instanceof Error error) {
        throw error;
      }
      return result;
    }
  }
}

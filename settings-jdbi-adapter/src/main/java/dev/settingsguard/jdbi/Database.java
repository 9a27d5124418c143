package dev.settingsguard.jdbi;

import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.result.ResultProducers;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.SqlStatements;

/**
 * One settings database of some backend: its connections, its schema and the transactions that
 * decorators open around whole operations. {@link JdbiSettingsStore} runs every operation's steps
 * on it.
 *
 * <p>The steps' handles are reached only through the protected {@link #withHandle}, and the
 * backends' own through {@link #onHandle}, never handed out: every statement runs inside the
 * library's transactions and error translation.
 */
public abstract class Database implements AutoCloseable {

  /** This thread's transaction on this database, or {@code null} outside {@link #inTransaction}. */
  private final ThreadLocal<OpenTransaction> transaction = new ThreadLocal<>();

  /** For the backends' own subclasses. */
  protected Database() {}

  /**
   * @return what identifies the database, equal for every {@code Database} of this JVM that reaches
   *     the same data, whatever name or URL opened it: the key of locks that all stores on it share
   */
  public abstract Object identity();

  /**
   * @return the database's name in messages and logs, never holding a password
   */
  public abstract String name();

  /**
   * Runs {@code work} in one transaction: every step it runs on this database on this thread joins
   * the transaction. Commits when the work returns and rolls back when it throws. Called inside
   * another transaction on the same thread, it runs the work in a savepoint of that one: when the
   * work throws, its own changes are rolled back and the enclosing transaction goes on. This lets a
   * caller run several operations, each atomic, under one commit.
   *
   * <p>The first work nested in a transaction in which nothing has run yet needs no savepoint: if
   * it throws, the whole transaction is rolled back, which undoes that work alone, and the
   * transaction is begun again only when the enclosing work runs something more in it. So a batch
   * of one write costs no savepoint, and a failed one gives up the writers' lock at once. If
   * beginning again fails (another writer took the lock meanwhile), the work that needed it gets
   * that failure, nothing of it ran, and the enclosing work may go on.
   *
   * <p>If a savepoint cannot be set or rolled back to (the backend ended the whole transaction
   * after a failure, or the connection is gone), nothing more runs in the enclosing transaction and
   * it rolls back instead of committing, in case the failed work's steps are still there.
   *
   * @param mode how the transaction excludes other writers; ignored inside another transaction
   * @param work the operation
   * @param <R> the result type
   * @return the work's result
   * @throws dev.settingsguard.core.SettingsBusyException if {@link TransactionMode#EXCLUSIVE} could
   *     not exclude the other writers within the lock timeout; nothing ran
   * @throws SettingsStorageException if the transaction failed, nothing of it committed; also
   *     inside another transaction that could not be undone to a savepoint, and nothing ran
   */
  public final <R> R inTransaction(TransactionMode mode, Supplier<R> work) {
    OpenTransaction open = transaction.get();
    if (open != null) {
      if (open.rolledBack) {
        throw new SettingsStorageException(
            "The enclosing transaction on " + name() + " was rolled back after a failure", null);
      }
      refuseIfTheBeginningWasRefused(open);
      beginAgainIfRolledBack(open);
      return open.unused ? asFirstWork(open, work) : inSavepoint(open, work);
    }
    OpenTransaction opened = new OpenTransaction(mode);
    R result =
        onHandle(
            handle -> {
              opened.leftBeginning = begin(handle, mode);
              transaction.set(opened);
              try {
                R done = work.get();
                if (opened.rolledBack) {
                  throw new SettingsStorageException(
                      "A write in a transaction on " + name() + " could not be undone on its own",
                      null);
                }
                if (opened.begun) {
                  commit(handle);
                }
                return done;
              } catch (RuntimeException | Error failure) {
                opened.afterCommit.clear();
                if (opened.begun) {
                  rollback(handle, failure);
                }
                throw failure;
              } finally {
                transaction.remove();
              }
            });
    // Outside the transaction and its handle, which the actions must not join.
    opened.afterCommit.forEach(Runnable::run);
    return result;
  }

  /**
   * Runs the work as the transaction's first. If it throws, the rollback of the whole transaction
   * undoes it; the transaction is begun again by whatever runs in it next, if anything does.
   */
  private <R> R asFirstWork(OpenTransaction open, Supplier<R> work) {
    return onHandle(
        handle -> {
          // Still unused until the work runs a step: if it runs none, the next work needs no
          // savepoint either.
          try {
            return work.get();
          } catch (RuntimeException | Error failure) {
            rollback(handle, failure);
            open.begun = false;
            open.unused = true;
            throw failure;
          }
        });
  }

  /**
   * @throws RuntimeException as {@link #begin} does, e.g. a busy writers' lock: no transaction is
   *     open then, and the next work or step tries again
   */
  private void beginAgainIfRolledBack(OpenTransaction open) {
    if (!open.begun) {
      onHandle(
          handle -> {
            open.leftBeginning = begin(handle, open.mode);
            open.begun = true;
            return null;
          });
    }
  }

  /**
   * Runs the work in a savepoint, which is set with the work's first step: a work that fails before
   * it runs a statement has nothing to undo, and a backend can send the savepoint in the round trip
   * of that step ({@link #nextRevision(WriteAfterRevision)}).
   */
  private <R> R inSavepoint(OpenTransaction open, Supplier<R> work) {
    return onHandle(
        handle -> {
          int depth = ++open.savepointDepth;
          Integer savepoint = releasesSavepoints() ? depth : ++open.savepointsNumbered;
          open.owedSavepoints.add(savepoint);
          try {
            R result = work.get();
            if (!open.owedSavepoints.remove(savepoint)) {
              releaseSavepoint(handle, savepoint);
            }
            return result;
          } catch (RuntimeException | Error failure) {
            if (!open.owedSavepoints.remove(savepoint)
                && !rollbackToSavepoint(handle, savepoint, failure)) {
              open.rolledBack = true;
            }
            throw failure;
          } finally {
            open.savepointDepth--;
          }
        });
  }

  /**
   * Runs one step of an operation with a handle, translating failures into the port's exceptions.
   * Within {@link #inTransaction}, the callback receives the transaction's handle.
   *
   * @param step the work, typically one statement
   * @param <R> the result type
   * @return the step's result
   */
  protected final <R> R withHandle(HandleCallback<R, RuntimeException> step) {
    return runStep(
        false,
        (handle, owed) -> {
          setSavepoints(handle, owed.savepoints());
          return step.withHandle(handle);
        });
  }

  /**
   * The step that takes the next revision, every write's first: runs {@link #nextRevisionStatement}
   * as {@link #withHandle} runs a step, and with it the savepoints the transaction owes, in one
   * round trip where the backend {@linkplain #sendsStatementsTogether sends statements together}.
   *
   * @return the revision
   */
  final long nextRevision() {
    return nextRevision(new WriteAfterRevision<>(List.of(), Map.of(), null)).revision();
  }

  /**
   * A write's first step and the write, as one: takes the next revision as {@link #nextRevision()}
   * does, then runs the write's statements. In a transaction on a backend that {@linkplain
   * #sendsStatementsTogether sends statements together}, the savepoints, the revision's statement
   * and the write's go in one round trip, and the write's statements read the revision from the
   * counter, as their transaction sees it after the revision's statement; else they run one after
   * the other, bound to the revision taken. Outside a transaction each statement commits alone, as
   * separate steps would.
   *
   * @param write the statements, which name the revision {@code :revision}
   * @param <R> the type of the last statement's rows
   * @return the revision, and the last statement's first row if it returned one
   */
  final <R> Revised<R> nextRevision(WriteAfterRevision<R> write) {
    Taken<R> taken = nextRevisions("1", write);
    return new Revised<>(taken.lastRevision(), taken.rows().stream().findFirst());
  }

  /**
   * Takes several revisions and makes one write with them, as {@link
   * #nextRevision(WriteAfterRevision)} takes one: in one round trip in a transaction on a backend
   * that {@linkplain #sendsStatementsTogether sends statements together}. The write's statements
   * name the last revision taken {@code :revision}; the revisions before it are that less one, two,
   * and so on.
   *
   * @param count an SQL expression, of the write's parameters too: how many revisions to take, at
   *     least one
   * @param write the statements, which name the last revision {@code :revision}
   * @param <R> the type of the last statement's rows
   * @return the last revision taken, and every row the last statement returned
   */
  final <R> Taken<R> nextRevisions(String count, WriteAfterRevision<R> write) {
    boolean together = sendsStatementsTogether() && inOpenTransaction();
    return runStep(
        together,
        (handle, owed) ->
            together
                ? revisionsAndWriteTogether(handle, owed, count, write)
                : revisionsThenWrite(handle, owed.savepoints(), count, write));
  }

  /** The statements of a write that follow its revision, and the last one's row mapper. */
  record WriteAfterRevision<R>(List<String> statements, Map<String, ?> binds, RowMapper<R> rows) {}

  /** A write's revision, and the first row its last statement returned, if any. */
  record Revised<R>(long revision, Optional<R> row) {}

  /** The last of the revisions a write took, and the rows its last statement returned. */
  record Taken<R>(long lastRevision, List<R> rows) {}

  private <R> Taken<R> revisionsThenWrite(
      Handle handle, List<Integer> savepoints, String count, WriteAfterRevision<R> write) {
    setSavepoints(handle, savepoints);
    long revision =
        handle
            .createQuery(nextRevisionStatement(count))
            .configure(SqlStatements.class, config -> config.setUnusedBindingAllowed(true))
            .bindMap(write.binds())
            .mapTo(Long.class)
            .one();
    List<R> rows = List.of();
    List<String> statements = write.statements();
    for (int i = 0; i < statements.size(); i++) {
      var statement =
          handle
              .createQuery(statements.get(i))
              .configure(SqlStatements.class, config -> config.setUnusedBindingAllowed(true))
              .bindMap(write.binds())
              .bind("revision", revision);
      if (i < statements.size() - 1) {
        statement.execute(ResultProducers.returningUpdateCount());
      } else {
        rows = statement.map(write.rows()).list();
      }
    }
    return new Taken<>(revision, rows);
  }

  /**
   * One string of statements, which return one result each, in order: the beginning's, the
   * savepoints', the revisions' row, and the write's; of these, only the last's rows are read.
   */
  private <R> Taken<R> revisionsAndWriteTogether(
      Handle handle, Owed owed, String count, WriteAfterRevision<R> write) {
    List<String> statements = new ArrayList<>();
    if (owed.beginning() != null) {
      statements.add(owed.beginning());
    }
    owed.savepoints().forEach(savepoint -> statements.add(savepointStatement(savepoint)));
    int revisionResult = statements.size();
    statements.add(nextRevisionStatement(count));
    write
        .statements()
        .forEach(
            statement ->
                statements.add(
                    REVISION_PARAMETER.matcher(statement).replaceAll(REVISION_AS_WRITTEN)));
    int lastResult = write.statements().isEmpty() ? -1 : statements.size() - 1;
    return handle
        .createUpdate(String.join("; ", statements))
        .configure(SqlStatements.class, config -> config.setUnusedBindingAllowed(true))
        .bindMap(write.binds())
        .execute(
            (executed, context) -> {
              PreparedStatement statement = executed.get();
              long revision = 0;
              List<R> rows = new ArrayList<>();
              for (int result = 0; result <= Math.max(revisionResult, lastResult); result++) {
                if (result > 0) {
                  statement.getMoreResults();
                }
                if (result != revisionResult && result != lastResult) {
                  continue;
                }
                try (ResultSet results = statement.getResultSet()) {
                  if (result == revisionResult) {
                    if (results == null || !results.next()) {
                      throw new IllegalStateException("The revision's statement returned no row");
                    }
                    revision = results.getLong(1);
                  } else {
                    while (results != null && results.next()) {
                      rows.add(write.rows().map(results, context));
                    }
                  }
                }
              }
              return new Taken<>(revision, rows);
            });
  }

  /** The revision, in a statement sent with the one that took it (which runs first). */
  private static final String REVISION_AS_WRITTEN = "(SELECT revision FROM settings_revision)";

  /** The parameter {@code :revision}, not a cast ({@code ::}) and not a longer name. */
  private static final Pattern REVISION_PARAMETER = Pattern.compile("(?<!:):revision\\b");

  /**
   * Runs a step on this thread's transaction, begun again if its first work rolled it back, or
   * alone outside one. The step is handed what the transaction owes, to send first: the savepoints,
   * and, if {@code sendsBeginningWithStep}, the statement its beginning left to the first step;
   * else that statement runs here first ({@link #sendingTheBeginning}).
   */
  private <R> R runStep(boolean sendsBeginningWithStep, BiFunction<Handle, Owed, R> step) {
    OpenTransaction open = transaction.get();
    if (open == null) {
      return onHandle(handle -> step.apply(handle, new Owed(null, List.of())));
    }
    refuseIfTheBeginningWasRefused(open);
    beginAgainIfRolledBack(open);
    open.unused = false;
    String beginning = open.leftBeginning;
    open.leftBeginning = null;
    if (beginning != null && !sendsBeginningWithStep) {
      sendingTheBeginning(
          open,
          beginning,
          true,
          () ->
              onHandle(
                  handle ->
                      handle
                          .createUpdate(beginning)
                          .execute(ResultProducers.returningUpdateCount())));
    }
    // Owed no more. If the step fails, each is rolled back to: for one it did not set, that fails,
    // since no older savepoint has its name, and the transaction is given up; without its savepoint
    // the work could not be undone alone, and the backend may have ended the whole transaction
    // (PostgreSQL does after any failed statement).
    Owed owed =
        new Owed(sendsBeginningWithStep ? beginning : null, List.copyOf(open.owedSavepoints));
    open.owedSavepoints.clear();
    Supplier<R> run = () -> onHandle(handle -> step.apply(handle, owed));
    return owed.beginning() == null ? run.get() : sendingTheBeginning(open, beginning, false, run);
  }

  /**
   * Sends the statement that the transaction's beginning left, alone or with a step. A lock wait
   * that runs out in that round trip refuses the transaction's later works and steps at once, as a
   * refused {@code BEGIN} would have: the lock is most likely the one the statement takes, held
   * elsewhere. Any other failure leaves the statement to the next step, in case it was never sent;
   * taking the lock again in the same transaction is harmless.
   */
  private <R> R sendingTheBeginning(
      OpenTransaction open, String beginning, boolean alone, Supplier<R> sending) {
    try {
      return sending.get();
    } catch (SettingsBusyException busy) {
      if (busy.waited().isZero()) { // lost to a concurrent transaction, not a wait that ran out
        open.leftBeginning = beginning;
        throw busy;
      }
      open.beginningRefused = beginningRefused(busy, alone);
      throw open.beginningRefused;
    } catch (RuntimeException | Error failure) {
      open.leftBeginning = beginning;
      throw failure;
    }
  }

  private static void refuseIfTheBeginningWasRefused(OpenTransaction open) {
    if (open.beginningRefused != null) {
      throw new SettingsBusyException(
          open.beginningRefused.resource(),
          Duration.ZERO,
          "refused at once: an earlier write of this transaction waited "
              + open.beginningRefused.waited()
              + " for it in vain",
          null);
    }
  }

  /**
   * What a step sends before its own statements: the statement the transaction's beginning left to
   * it, or {@code null}, and the savepoints of the works it is the first step of.
   */
  private record Owed(String beginning, List<Integer> savepoints) {}

  private void setSavepoints(Handle handle, List<Integer> savepoints) {
    savepoints.forEach(savepoint -> savepoint(handle, savepoint));
  }

  /**
   * @return whether this thread is inside {@link #inTransaction}, its transaction still usable
   */
  protected final boolean inOpenTransaction() {
    OpenTransaction open = transaction.get();
    return open != null && !open.rolledBack;
  }

  /**
   * Runs an action once this thread's transaction on this database has committed, or now when the
   * thread has none; not at all if it rolls back. For work that cannot run in a transaction.
   *
   * @param action what to run; its failures reach the caller of the committing operation
   */
  protected final void runAfterCommit(Runnable action) {
    OpenTransaction open = transaction.get();
    if (open == null) {
      action.run();
    } else {
      open.afterCommit.add(action);
    }
  }

  /**
   * Begins the outermost transaction on the handle. If it throws, no transaction is left open.
   *
   * <p>A backend that {@linkplain #sendsStatementsTogether sends statements together} may leave a
   * statement of its beginning, such as taking a lock, to the transaction's first step, which then
   * sends it in the same round trip, or else runs it alone first. A lock wait that runs out in that
   * round trip is given to {@link #beginningRefused}, and refuses the transaction's later works and
   * steps at once, as a refused {@code BEGIN} would have.
   *
   * @param handle the transaction's handle
   * @param mode how the transaction excludes other writers
   * @return the statement left to the first step, or {@code null}
   */
  protected abstract String begin(Handle handle, TransactionMode mode);

  /**
   * @param busy a lock wait that ran out in the round trip of the statement that {@link #begin}
   *     left to the first step
   * @param alone whether that statement was sent alone, so that the lock was the one it takes, or
   *     with a step's statements, which may have waited for another
   * @return what to throw instead, e.g. naming the lock; by default {@code busy}
   */
  protected SettingsBusyException beginningRefused(SettingsBusyException busy, boolean alone) {
    return busy;
  }

  /**
   * @param handle the transaction's handle
   */
  protected abstract void commit(Handle handle);

  /**
   * Rolls the transaction back after {@code failure}; a failure to do so is added to it as
   * suppressed, unless the backend had ended the transaction already.
   *
   * @param handle the transaction's handle
   * @param failure what made the transaction fail
   */
  protected abstract void rollback(Handle handle, Throwable failure);

  /**
   * Sets a savepoint. Savepoints nest: one is set inside the transaction, the next inside the work
   * of the one before, and so on. Named by its number, a savepoint never shadows an older one that
   * is still there, so rolling back to one that was not set fails rather than undoing more.
   *
   * @param handle the transaction's handle
   * @param savepoint its number, from 1: its depth if the backend {@linkplain #releasesSavepoints
   *     releases} every savepoint, so few names are ever used; else unique within the transaction
   */
  protected abstract void savepoint(Handle handle, int savepoint);

  /**
   * @return whether {@link #releaseSavepoint} releases the savepoint, so that no older savepoint of
   *     a depth is left when the next of that depth is set
   */
  protected abstract boolean releasesSavepoints();

  /**
   * Called when the work under the savepoint succeeded; a backend may leave the savepoint to the
   * commit.
   *
   * @param handle the transaction's handle
   * @param savepoint the savepoint's number
   */
  protected abstract void releaseSavepoint(Handle handle, int savepoint);

  /**
   * Undoes the work since the savepoint of this number.
   *
   * @param handle the transaction's handle
   * @param savepoint the savepoint's number
   * @param failure what made the work fail; a failure to undo (also: no such savepoint) is added to
   *     it as suppressed, unless the whole transaction had ended already
   * @return whether the work was undone; {@code false} leaves the transaction unusable
   */
  protected abstract boolean rollbackToSavepoint(Handle handle, int savepoint, Throwable failure);

  /**
   * @param mode a transaction mode
   * @return how this backend implements it, for the chain's {@code toString()}, e.g. {@code
   *     SqliteImmediate}
   */
  public abstract String describe(TransactionMode mode);

  /**
   * Installs a logger that sees every step's statement (not the transactions' own statements), to
   * log or time them; statements sent together ({@link #sendsStatementsTogether}) reach it as one
   * string.
   *
   * @param logger the logger
   */
  public abstract void setSqlLogger(SqlLogger logger);

  /**
   * Refuses text this backend cannot store, beyond the port's input rules. Called for every text an
   * operation writes, before any statement runs. By default it accepts everything.
   *
   * @param field the field's name, for the error
   * @param text the text, or {@code null}
   * @throws dev.settingsguard.core.InvalidInputException if the backend cannot store it
   */
  public void checkStorable(String field, String text) {}

  /**
   * The statement that takes the next revisions: it adds {@code count} to the counter and returns
   * the last revision taken as its first column. A backend may add work that must go with every
   * write, in the same round trip.
   *
   * @param count an SQL expression: how many revisions it takes, one for each write made with them
   * @return the statement
   */
  protected String nextRevisionStatement(String count) {
    return "UPDATE settings_revision SET revision = revision + " + count + " RETURNING revision";
  }

  /**
   * @return whether the backend's driver sends the statements of one string together, in one round
   *     trip, and the server runs them in order in the transaction, each after the one before has
   *     succeeded; by default not
   */
  protected boolean sendsStatementsTogether() {
    return false;
  }

  /**
   * @param savepoint the savepoint's number
   * @return the statement that sets it, as every backend spells it
   */
  protected static String savepointStatement(int savepoint) {
    return "SAVEPOINT operation_" + savepoint;
  }

  /**
   * @return whether one statement can write two tables (PostgreSQL's data-modifying {@code WITH}),
   *     so that a write logs its change in the statement that makes it, one round trip less; by
   *     default not
   */
  protected boolean logsInWritingStatement() {
    return false;
  }

  /**
   * Called after a transaction that rewrote API keys has committed, outside any transaction:
   * removes, where the backend can, the older copies of rows that its files still hold. By default
   * it does nothing. Must not throw: the rewrite has committed.
   */
  protected void eraseOlderCopies() {}

  /**
   * Opens what wakes the change feed when another connection commits, on a connection of its own.
   *
   * @return the signal
   * @throws dev.settingsguard.core.SettingsException if it cannot be opened now
   */
  protected abstract ChangeSignal openChangeSignal();

  /**
   * Runs a callback with a handle, translating failures into the port's exceptions: the steps of
   * {@link #withHandle} and the transactions' own statements. Within {@link #inTransaction}, the
   * callback receives the transaction's handle.
   *
   * @param callback the work
   * @param <R> the result type
   * @return the callback's result
   */
  protected abstract <R> R onHandle(HandleCallback<R, RuntimeException> callback);

  /** Closes the database's connections. Idempotent. */
  @Override
  public abstract void close();

  /** A thread's open transaction on this database. */
  private static final class OpenTransaction {
    final TransactionMode mode;

    /** Nothing has run in it yet: the next nested work needs no savepoint. */
    boolean unused = true;

    /** False after its first work failed and rolled it back, until something runs in it again. */
    boolean begun = true;

    /** Open as far as the callers know, but no longer usable after a failure. */
    boolean rolledBack;

    /** How many savepoints are set or owed, each inside the work of the one before. */
    int savepointDepth;

    /** Without {@link #releasesSavepoints}: how many savepoints were numbered, the last number. */
    int savepointsNumbered;

    /** Savepoints of works that have run no step yet, to be set, in order, before the next. */
    final List<Integer> owedSavepoints = new ArrayList<>(2);

    /** The statement that {@link #begin} left to the first step, until a step sends it. */
    String leftBeginning;

    /** Set when a lock wait ran out in that statement's round trip: all that follows is refused. */
    SettingsBusyException beginningRefused;

    /** What {@link #runAfterCommit} deferred. */
    final List<Runnable> afterCommit = new ArrayList<>();

    OpenTransaction(TransactionMode mode) {
      this.mode = mode;
    }
  }
}

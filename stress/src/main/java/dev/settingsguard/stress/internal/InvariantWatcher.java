package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A reader that polls the active-provider count during a measurement, on its own plain JDBC
 * connection so it depends on nothing it checks. Each poll is one statement in auto-commit mode,
 * hence one consistent snapshot: it sees what any reader of the database could see at that instant.
 *
 * <p>It pauses between polls rather than spinning: on a two-core machine a spinning watcher would
 * take a core from the load it watches. On PostgreSQL each poll also takes a server process's time,
 * so it pauses longer there.
 */
public final class InvariantWatcher implements AutoCloseable {

  private static final long SQLITE_PAUSE_NANOS = 100_000;
  private static final long POSTGRES_PAUSE_NANOS = 1_000_000;
  private static final String COUNT =
      "SELECT COUNT(*), COALESCE(SUM(is_active), 0) FROM ai_providers";

  private final Connection connection;
  private final long pauseNanos;
  private final Thread thread;
  private final AtomicReference<SQLException> failure = new AtomicReference<>();
  private volatile boolean stopping;
  private long polls;
  private long violations;
  private ProviderCount firstViolation;

  /**
   * The providers and active providers one poll saw.
   *
   * @param providers how many providers exist
   * @param active how many of them are active
   */
  public record ProviderCount(long providers, long active) {
    /**
     * @return whether exactly one is active, or none exists
     */
    public boolean keepsInvariant() {
      return providers == 0 ? active == 0 : active == 1;
    }

    @Override
    public String toString() {
      return active + " of " + providers + " active";
    }
  }

  /**
   * What the watcher saw over a whole measurement.
   *
   * @param polls how many polls ran
   * @param violations how many polls saw the invariant broken
   * @param firstViolation the first broken count seen, or {@code null}
   * @param last the count after the load stopped
   */
  public record Watch(
      long polls, long violations, ProviderCount firstViolation, ProviderCount last) {
    /**
     * @return whether every poll and the final count kept the invariant
     */
    public boolean clean() {
      return violations == 0 && last.keepsInvariant();
    }
  }

  private InvariantWatcher(StressDatabase database) throws SQLException {
    this.connection = database.connect();
    this.pauseNanos =
        database.backend() == Backend.POSTGRES ? POSTGRES_PAUSE_NANOS : SQLITE_PAUSE_NANOS;
    this.thread = new Thread(this::poll, "invariant-watcher");
    thread.setDaemon(true);
  }

  /**
   * Opens a connection to the database and starts polling.
   *
   * @param database the database, already seeded
   * @return the running watcher
   */
  public static InvariantWatcher start(StressDatabase database) {
    try {
      InvariantWatcher watcher = new InvariantWatcher(database);
      watcher.thread.start();
      return watcher;
    } catch (SQLException failure) {
      throw new IllegalStateException(
          PostgresDatabase.redact("Cannot watch " + database + ": " + failure.getMessage()));
    }
  }

  private void poll() {
    try (Statement statement = connection.createStatement()) {
      while (!stopping) {
        ProviderCount count = count(statement);
        polls++;
        if (!count.keepsInvariant()) {
          violations++;
          if (firstViolation == null) {
            firstViolation = count;
          }
        }
        LockSupport.parkNanos(pauseNanos);
      }
    } catch (SQLException failed) {
      failure.set(failed);
    }
  }

  /**
   * Stops polling and counts once more, after the load has stopped.
   *
   * @return what the watcher saw
   * @throws InterruptedException if interrupted while waiting for the poller
   */
  public Watch stop() throws InterruptedException {
    stopping = true;
    thread.join();
    if (failure.get() != null) {
      throw new IllegalStateException("Invariant watcher failed: " + failure.get(), failure.get());
    }
    try (Statement statement = connection.createStatement()) {
      return new Watch(polls, violations, firstViolation, count(statement));
    } catch (SQLException failed) {
      throw new IllegalStateException("Final invariant check failed: " + failed, failed);
    }
  }

  private static ProviderCount count(Statement statement) throws SQLException {
    try (ResultSet row = statement.executeQuery(COUNT)) {
      row.next();
      return new ProviderCount(row.getLong(1), row.getLong(2));
    }
  }

  /** Stops the poller if still running, and closes the connection. */
  @Override
  public void close() {
    stopping = true;
    try {
      thread.join();
      connection.close();
    } catch (InterruptedException interrupt) {
      Thread.currentThread().interrupt();
    } catch (SQLException ignored) {
      // Only a read connection; nothing to lose.
    }
  }
}

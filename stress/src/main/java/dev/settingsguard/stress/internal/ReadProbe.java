package dev.settingsguard.stress.internal;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Do reads wait for the write lock? A separate plain JDBC connection (as another process would)
 * takes the writers' lock (SQLite's write lock with {@code BEGIN IMMEDIATE}, or the library's
 * advisory lock on PostgreSQL), writes a row and holds the transaction open; meanwhile one thread
 * reads through the default chain, alternating getActiveProvider and getSetting, and every read is
 * timed.
 */
public final class ReadProbe {

  /**
   * What the probe measured.
   *
   * @param reads how many reads ran
   * @param latencies their latencies
   * @param hold how long the write lock was held
   * @param allWhileHeld whether the last read finished before the lock was released
   */
  public record Result(
      int reads, LatencyHistogram latencies, Duration hold, boolean allWhileHeld) {}

  private ReadProbe() {}

  /**
   * @param host where to create the probe's database
   * @param synchronous the commit durability, for SQLite
   * @param hold how long the write lock is held
   * @param reads how many reads to time
   * @return the reads' latencies
   * @throws InterruptedException if interrupted while the lock is held
   */
  public static Result run(DatabaseHost host, Synchronous synchronous, Duration hold, int reads)
      throws InterruptedException {
    StressDatabase database = host.create("read-probe");
    SeedData.write(database, synchronous);
    CountDownLatch locked = new CountDownLatch(1);
    long[] releasedAt = new long[1];
    Thread holder =
        new Thread(() -> holdWriteLock(database, hold, locked, releasedAt), "write-lock-holder");
    try (SettingsStore store =
        Contender.DEFAULT.open(database, synchronous, hold.multipliedBy(2))) {
      store.getActiveProvider();
      holder.start();
      if (!locked.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("The write lock was not taken within 10 s");
      }
      LatencyHistogram latencies = new LatencyHistogram();
      for (int i = 0; i < reads; i++) {
        long start = System.nanoTime();
        if (i % 2 == 0) {
          store.getActiveProvider();
        } else {
          store.getSetting(SeedData.settingKey(i % SeedData.SETTINGS));
        }
        latencies.record(System.nanoTime() - start);
      }
      long lastReadDone = System.nanoTime();
      holder.join();
      return new Result(reads, latencies, hold, releasedAt[0] > lastReadDone);
    }
  }

  private static void holdWriteLock(
      StressDatabase database, Duration hold, CountDownLatch locked, long[] releasedAt) {
    boolean postgres = database.backend() == Backend.POSTGRES;
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      if (postgres) {
        connection.setAutoCommit(false);
        statement.execute("SELECT " + PostgresDatabase.WRITERS_LOCK);
      } else {
        statement.execute("BEGIN IMMEDIATE");
      }
      statement.executeUpdate("UPDATE settings SET value = 'held' WHERE key = 'key-00'");
      locked.countDown();
      TimeUnit.MILLISECONDS.sleep(hold.toMillis());
      releasedAt[0] = System.nanoTime();
      if (postgres) {
        connection.rollback();
      } else {
        statement.execute("ROLLBACK");
      }
    } catch (SQLException failure) {
      throw new IllegalStateException(
          PostgresDatabase.redact("Cannot hold the write lock: " + failure.getMessage()));
    } catch (InterruptedException interrupt) {
      Thread.currentThread().interrupt();
    }
  }
}

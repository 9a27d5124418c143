package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.testkit.PostgresServer;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.FeedWatcherProcess;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import dev.settingsguard.tests.support.WriterProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watcher in one JVM and four writer JVMs of two threads each (about 10 s of writing), as
 * separate processes on SQLite and as separate machines on PostgreSQL: the watcher is given every
 * change of every writer once, in revision order, exactly as the database's log holds them. On
 * PostgreSQL the server also restarts and the watcher's {@code LISTEN} session is terminated while
 * the writers write: the feed listens again and catches up from the log, so nothing is lost or
 * doubled. The server is this class's own, since it restarts.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChangeFeedAcrossProcessesTest {

  private static final int WRITERS = 4;
  private static final String THREADS_PER_WRITER = "2";
  private static final String OPERATIONS_PER_THREAD = "600";
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(120);

  private static PostgresServer server;

  @TempDir Path dir;

  @BeforeAll
  static void startServer() {
    server = PostgresServer.startLocal();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  void aWatcherProcessSeesEveryChangeOfFourWriterProcessesOnSqlite() throws Exception {
    TestDatabase db = Backend.SQLITE.newDatabase(dir);
    assertWatcherSeesTheLog(db, () -> {});
  }

  @Test
  void aWatcherMachineSeesEveryChangeAcrossARestartAndAKilledListenSession() throws Exception {
    TestDatabase db = TestDatabase.postgres(server.newDatabase());
    assertWatcherSeesTheLog(
        db,
        () -> {
          TimeUnit.MILLISECONDS.sleep(1_500);
          assertThat(terminateListeners(db)).as("LISTEN sessions terminated").isPositive();
          TimeUnit.MILLISECONDS.sleep(1_500);
          server.restart("fast");
        },
        // The log would deliver every change without the signal too, a read a second: the feed
        // must have listened again, not only caught up.
        () -> assertThat(awaitListeners(db)).as("LISTEN sessions after the faults").isPositive());
  }

  private void assertWatcherSeesTheLog(TestDatabase db, Fault fault) throws Exception {
    assertWatcherSeesTheLog(db, fault, () -> {});
  }

  private void assertWatcherSeesTheLog(TestDatabase db, Fault fault, Fault afterWriting)
      throws Exception {
    TestStores.seedProviders(db, 3);
    List<ChildProcess> children = new ArrayList<>();
    try {
      ChildProcess watcher = ChildProcess.start(FeedWatcherProcess.class, db.toArgument());
      children.add(watcher);
      long after = Long.parseLong(watcher.awaitLine("READY", CHILD_TIMEOUT).split(" ")[1]);
      List<ChildProcess> writers = new ArrayList<>();
      for (int i = 0; i < WRITERS; i++) {
        writers.add(
            ChildProcess.start(
                WriterProcess.class,
                db.toArgument(),
                Chain.DEFAULT.name(),
                THREADS_PER_WRITER,
                OPERATIONS_PER_THREAD,
                String.valueOf(i)));
      }
      children.addAll(writers);
      for (ChildProcess writer : writers) {
        writer.awaitLine("READY", CHILD_TIMEOUT);
      }
      long start = System.nanoTime();
      writers.forEach(writer -> writer.send("GO"));
      fault.inject();
      List<String> results = new ArrayList<>();
      for (ChildProcess writer : writers) {
        results.add(writer.awaitLine("RESULT", CHILD_TIMEOUT));
      }
      long writingMillis = (System.nanoTime() - start) / 1_000_000;
      afterWriting.inject();

      long end;
      try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
        end = store.currentRevision();
      }
      watcher.send("UNTIL " + end);
      String caughtUp = watcher.awaitLine("CAUGHT_UP", CHILD_TIMEOUT);
      List<String> delivered =
          watcher.linesStartingWith("CHANGE ").stream().map(line -> line.substring(7)).toList();
      List<String> logged =
          StoredRows.changesAfter(db, after).stream()
              .map(row -> row.split(" "))
              .map(row -> row[0] + " " + row[2])
              .toList();
      System.out.printf(
          "ChangeFeedAcrossProcessesTest %s: revisions %d..%d written in %d ms by %s; watcher"
              + " %s, %d changes%n",
          db.backend(), after + 1, end, writingMillis, results, caughtUp, delivered.size());

      assertThat(watcher.linesStartingWith("RESET")).isEmpty();
      assertThat(end - after).as("revisions written").isGreaterThan(1_000);
      assertThat(delivered)
          .as("every change of the log, once, in its order")
          .containsExactlyElementsOf(logged);
    } finally {
      for (ChildProcess child : children) {
        child.close();
      }
    }
  }

  /** Ends the sessions that wait on {@code LISTEN}: the watchers' signals. */
  private static int terminateListeners(TestDatabase db) throws Exception {
    try (Connection admin = db.connect();
        Statement sql = admin.createStatement();
        ResultSet terminated =
            sql.executeQuery(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND query LIKE 'LISTEN %'"
                    + " AND pid <> pg_backend_pid()")) {
      terminated.next();
      return terminated.getInt(1);
    }
  }

  private static int awaitListeners(TestDatabase db) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Connection admin = db.connect();
          Statement sql = admin.createStatement();
          ResultSet listening =
              sql.executeQuery(
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                      + " AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()")) {
        listening.next();
        if (listening.getInt(1) > 0 || System.nanoTime() - deadline > 0) {
          return listening.getInt(1);
        }
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  /** What goes wrong while the writers write. */
  @FunctionalInterface
  private interface Fault {
    void inject() throws Exception;
  }
}

package dev.settingsguard.tests.support;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.sqlite.internal.TimedBusyHandler;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.sqlite.BusyHandler;
import org.sqlite.SQLiteConfig;

/**
 * A child JVM whose threads activate providers of a shared database as fast as they can, for a
 * fixed number of operations each. Run through {@link ChildProcess}: {@code READY} once open, then
 * it waits for {@code GO} on stdin, and ends with {@code DONE <operations completed>}, after the
 * stack trace of the first failure if any.
 *
 * <p>Arguments: database file; a {@link Chain} name, or {@code PLAIN_JDBC}: the same two updates in
 * {@code BEGIN IMMEDIATE} transactions on a plain sqlite-jdbc connection per thread, waiting for
 * the write lock the way the library does, with nothing else of the library; threads; operations
 * per thread.
 */
public final class ActivatingProcess {

  /** The {@code mode} argument for plain sqlite-jdbc transactions. */
  public static final String PLAIN_JDBC = "PLAIN_JDBC";

  private ActivatingProcess() {}

  public static void main(String[] args) throws Exception {
    Path database = Path.of(args[0]);
    String mode = args[1];
    int threads = Integer.parseInt(args[2]);
    int operationsPerThread = Integer.parseInt(args[3]);
    List<Thread> writers = new ArrayList<>();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    try (SettingsStore store =
        PLAIN_JDBC.equals(mode) ? null : TestStores.open(Chain.valueOf(mode), database)) {
      for (int t = 0; t < threads; t++) {
        Writer writer = store == null ? new PlainWriter(database) : new StoreWriter(store);
        Thread thread =
            new Thread(
                () -> {
                  Random random = new Random();
                  try (writer) {
                    go.await();
                    for (int op = 0; op < operationsPerThread; op++) {
                      writer.activateOneOf(random);
                      done.incrementAndGet();
                    }
                  } catch (Exception | Error e) {
                    failure.compareAndSet(null, e);
                  }
                },
                "writer-" + t);
        thread.start();
        writers.add(thread);
      }
      StartSignal.announceReadyAndAwaitGo();
      go.countDown();
      for (Thread thread : writers) {
        thread.join();
      }
    }
    if (failure.get() != null) {
      failure.get().printStackTrace(System.out);
    }
    System.out.println("DONE " + done.get());
    System.out.flush();
  }

  /** One thread's way to activate a random provider. */
  private interface Writer extends AutoCloseable {
    void activateOneOf(Random random) throws SQLException;

    @Override
    default void close() throws SQLException {}
  }

  private static final class StoreWriter implements Writer {
    private final SettingsStore store;
    private final List<Long> ids;

    StoreWriter(SettingsStore store) {
      this.store = store;
      this.ids = store.listAiProviders().stream().map(AiProvider::id).toList();
    }

    @Override
    public void activateOneOf(Random random) {
      store.setActiveProvider(ids.get(random.nextInt(ids.size())));
    }
  }

  /** Its own connection, as plain JDBC code with one connection per thread would have. */
  private static final class PlainWriter implements Writer {
    private final Connection connection;
    private final List<Long> ids;

    PlainWriter(Path database) throws SQLException {
      connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + database);
      BusyHandler.setHandler(connection, new TimedBusyHandler(Chain.TEST_LOCK_TIMEOUT));
      ids = providerIds(connection);
    }

    @Override
    public void activateOneOf(Random random) throws SQLException {
      try (Statement statement = connection.createStatement();
          PreparedStatement activate =
              connection.prepareStatement("UPDATE ai_providers SET is_active = 1 WHERE id = ?")) {
        statement.execute("BEGIN IMMEDIATE");
        statement.executeUpdate("UPDATE ai_providers SET is_active = 0 WHERE is_active = 1");
        activate.setLong(1, ids.get(random.nextInt(ids.size())));
        activate.executeUpdate();
        statement.execute("COMMIT");
      }
    }

    @Override
    public void close() throws SQLException {
      connection.close();
    }
  }

  private static List<Long> providerIds(Connection connection) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id FROM ai_providers ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
    }
    return ids;
  }
}

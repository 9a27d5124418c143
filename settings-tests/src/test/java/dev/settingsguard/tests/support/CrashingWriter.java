package dev.settingsguard.tests.support;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A child JVM that writes to a database in an endless loop until it is killed: adds, activations,
 * deletions of providers and three-key {@code setSettings} batches whose values all carry one
 * stamp, so a torn batch is visible after a crash.
 *
 * <p>It first warms up on a scratch database (class loading, the native SQLite library), prints
 * {@code READY}, and waits for {@code GO} on stdin; the crash test starts the next child while the
 * current one runs, so the JVM start-up does not count against each kill. After {@code GO} it opens
 * the real database with slow steps ({@link TestStores#openWithSlowSteps}), so most of the time is
 * spent between the SQL steps of an operation, prints {@code WRITING} and loops. A failed operation
 * is printed as {@code FAILED <type>: <message>} and the loop goes on. It halts when its stdin
 * ends, as it does when the test's JVM ends without having killed it.
 *
 * <p>Arguments: database file, {@link Chain} name, scratch directory, random seed.
 */
public final class CrashingWriter {

  /** The keys of the batch written by {@code setSettings}; all carry the same value. */
  public static final List<String> BATCH_KEYS = List.of("batch.a", "batch.b", "batch.c");

  private static final int NAMES = 6;

  private CrashingWriter() {}

  /**
   * @param argument a directory, for a SQLite file of this process's own, or the URL of a
   *     PostgreSQL database, for a schema of this process's own
   */
  private static TestDatabase warmUpDatabase(String argument) throws SQLException {
    String name = "warm_up_" + ProcessHandle.current().pid();
    if (!argument.startsWith("jdbc:postgresql:")) {
      return TestDatabase.sqlite(Path.of(argument).resolve(name + ".db"));
    }
    try (Connection connection = DriverManager.getConnection(argument);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + name);
    }
    return TestDatabase.postgres(argument + "&currentSchema=" + name);
  }

  public static void main(String[] args) throws Exception {
    TestDatabase database = TestDatabase.fromArgument(args[0]);
    Chain chain = Chain.valueOf(args[1]);
    TestDatabase scratch = warmUpDatabase(args[2]);
    Random random = new Random(Long.parseLong(args[3]));
    try (SettingsStore warmUp = TestStores.openWithSlowSteps(chain, scratch)) {
      for (int op = 0; op < 8; op++) {
        write(warmUp, random, op);
      }
    }
    System.out.println("READY");
    System.out.flush();
    BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!"GO".equals(stdin.readLine())) {
      return;
    }
    endWhenTheTestEnds(stdin);
    SettingsStore store = TestStores.openWithSlowSteps(chain, database);
    System.out.println("WRITING");
    System.out.flush();
    for (long op = 0; ; op++) {
      try {
        write(store, random, op);
      } catch (RuntimeException failure) {
        System.out.println(
            "FAILED " + failure.getClass().getSimpleName() + ": " + failure.getMessage());
        System.out.flush();
      }
    }
  }

  /**
   * The test kills this process; should the test's JVM end first, its end of the pipe closes, and
   * this process must not go on writing on a shared machine.
   */
  private static void endWhenTheTestEnds(BufferedReader stdin) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (stdin.readLine() != null) {
                  // Nothing else is sent after GO.
                }
              } catch (IOException closed) {
                // The same: the test is gone.
              }
              Runtime.getRuntime().halt(3);
            },
            "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void write(SettingsStore store, Random random, long op) {
    int dice = random.nextInt(20);
    if (dice < 7) {
      String name = "crash-" + random.nextInt(NAMES);
      store.addAiProvider(name, ApiKey.of("sk-" + name + "-" + op), "model-" + op);
      return;
    }
    if (dice < 16) {
      List<AiProvider> providers = store.listAiProviders();
      if (providers.isEmpty()) {
        return;
      }
      AiProvider chosen = providers.get(random.nextInt(providers.size()));
      if (dice < 13) {
        store.setActiveProvider(chosen.id());
      } else {
        store.deleteAiProvider(chosen.id());
      }
      return;
    }
    Map<String, String> batch = new LinkedHashMap<>();
    BATCH_KEYS.forEach(key -> batch.put(key, "op " + op));
    store.setSettings(batch);
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.CrashingWriter;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kills a writing child JVM ({@link CrashingWriter}) with SIGKILL at a random moment, 0–50 ms after
 * it reported that it started writing, again and again on the same database; after every kill a
 * SQLite file must pass {@code PRAGMA integrity_check}, and either backend must hold the invariant,
 * hold no torn settings batch, and open again through the library. Because the child pauses after
 * every SQL statement, most kills land between two steps of an operation.
 */
class CrashTest {

  private static final int KILLS_PER_SAFE_CHAIN = 20;

  /**
   * Bound on the kills the negative control may need: it usually breaks within a few, but one run
   * went 40 kills without landing in the window, so the bound is far above that.
   */
  private static final int MAX_KILLS_FOR_NONE = 100;

  private static final int MAX_DELAY_MILLIS = 50;

  /** Children started ahead, so each kill does not wait for a JVM to start. */
  private static final int WARM_CHILDREN = 2;

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration WRITING_TIMEOUT = Duration.ofSeconds(30);

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#safeChainsOnEveryBackend")
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void keepsTheDatabaseSoundAndTheInvariantWhenAWriterIsKilledTwentyTimes(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    long seed = System.nanoTime();
    try (Killer killer = new Killer(chain, db, dir, seed)) {
      for (int kill = 1; kill <= KILLS_PER_SAFE_CHAIN; kill++) {
        List<String> output = killer.startWritingAndKill();
        String context = backend + " " + chain + " kill " + kill + " (seed " + seed + ")";

        assertThat(output)
            .as("%s: the child's operations", context)
            .noneMatch(l -> l.startsWith("FAILED"));
        if (backend == Backend.SQLITE) {
          assertThat(Invariant.integrityCheck(db.file())).as(context).isEqualTo("ok");
        }
        Invariant.Counts counts = Invariant.read(db);
        assertThat(counts.holds()).as("%s: invariant %s", context, counts).isTrue();
        assertBatchNotTorn(db, context);
        assertReopensAndWorks(chain, db, counts, kill);
      }
      System.out.printf(
          "%s %s: %d kills, each followed by the invariant (and integrity ok on SQLite) (seed %d)%n",
          getClass().getSimpleName() + " " + backend, chain, KILLS_PER_SAFE_CHAIN, seed);
    }
  }

  /**
   * The negative control: killed between "deactivate all" and "activate", the unguarded adapter
   * leaves no active provider behind, for good.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void canLeaveNoActiveProviderWhenAnUnguardedWriterIsKilled(Backend backend, @TempDir Path dir)
      throws Exception {
    Chain chain = Chain.NONE;
    TestDatabase db = backend.newDatabase(dir);
    long seed = System.nanoTime();
    int kills = 0;
    Invariant.Counts broken = null;
    try (Killer killer = new Killer(chain, db, dir, seed)) {
      while (broken == null && kills < MAX_KILLS_FOR_NONE) {
        killer.startWritingAndKill();
        kills++;
        if (backend == Backend.SQLITE) {
          assertThat(Invariant.integrityCheck(db.file())).isEqualTo("ok");
        }
        Invariant.Counts counts = Invariant.read(db);
        if (!counts.holds()) {
          broken = counts;
        }
      }
    }
    System.out.printf(
        "%s %s %s: invariant broken after %d kill(s): %s (seed %d)%n",
        getClass().getSimpleName(), backend, chain, kills, broken, seed);
    assertThat(broken)
        .as(
            "a kill mid-operation leaves the unguarded adapter's invariant broken within %d kills",
            MAX_KILLS_FOR_NONE)
        .isNotNull();
  }

  private static void assertBatchNotTorn(TestDatabase db, String context) {
    List<List<String>> values =
        CrashingWriter.BATCH_KEYS.stream().map(key -> StoredRows.settingValues(db, key)).toList();
    assertThat(values.stream().distinct().count())
        .as("%s: the setSettings batch is all-or-nothing: %s", context, values)
        .isEqualTo(1);
  }

  private static void assertReopensAndWorks(
      Chain chain, TestDatabase db, Invariant.Counts counts, int kill) {
    try (SettingsStore reopened = TestStores.open(chain, db)) {
      Optional<AiProvider> active = reopened.getActiveProvider();
      assertThat(active.isPresent()).isEqualTo(counts.providers() > 0);
      assertThat(reopened.listAiProviders()).hasSize(counts.providers());
      reopened.setSetting("reopened.after.kill", String.valueOf(kill));
      assertThat(reopened.getSetting("reopened.after.kill"))
          .get()
          .extracting(s -> s.value())
          .isEqualTo(String.valueOf(kill));
    }
  }

  /** Starts children ahead of time; each is released, left to write briefly, then killed. */
  private static final class Killer implements AutoCloseable {
    private final Chain chain;
    private final TestDatabase db;
    private final String scratch;
    private final Random random;
    private final Deque<ChildProcess> warm = new ArrayDeque<>();

    Killer(Chain chain, TestDatabase db, Path dir, long seed) throws IOException {
      this.chain = chain;
      this.db = db;
      // Where the children warm up: a directory for their SQLite files, or a database for their
      // schemas.
      this.scratch =
          db.backend() == Backend.SQLITE
              ? Files.createDirectories(dir.resolve("scratch")).toString()
              : Backend.POSTGRES.newDatabase(dir).jdbcUrl();
      this.random = new Random(seed);
      TestStores.seedProviders(db, 3);
    }

    /**
     * @return the killed child's output
     */
    List<String> startWritingAndKill() throws Exception {
      while (warm.size() < WARM_CHILDREN + 1) {
        warm.add(
            ChildProcess.start(
                CrashingWriter.class,
                db.toArgument(),
                chain.name(),
                scratch,
                String.valueOf(random.nextLong())));
      }
      try (ChildProcess child = warm.poll()) {
        child.awaitLine("READY", READY_TIMEOUT);
        child.send("GO");
        child.awaitLine("WRITING", WRITING_TIMEOUT);
        Thread.sleep(random.nextInt(MAX_DELAY_MILLIS + 1));
        child.kill();
        return child.lines();
      }
    }

    @Override
    public void close() throws InterruptedException {
      for (ChildProcess child : warm) {
        child.close();
      }
    }
  }
}

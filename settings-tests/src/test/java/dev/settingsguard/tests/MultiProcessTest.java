package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.tests.support.ActiveProviderWatcher;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import dev.settingsguard.tests.support.WriterProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Four real JVMs write to one database file at once ({@link WriterProcess}: activations, adds,
 * settings), released together once all have opened it, while this JVM watches the invariant with
 * plain JDBC.
 */
class MultiProcessTest {

  private static final int PROCESSES = 4;
  private static final int THREADS_PER_PROCESS = 2;
  private static final int OPERATIONS_PER_THREAD = 50;
  private static final int SEEDED_PROVIDERS = 6;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern RESULT = Pattern.compile("RESULT ok=(\\d+) failed=(\\d+)");
  private static final Pattern FAILURE = Pattern.compile("FAILURE (\\w+) x(\\d+) .*");

  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT", "ALL"})
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void keepsTheInvariantWithNoFailedOperationWhenFourProcessesWrite(Chain chain, @TempDir Path dir)
      throws Exception {
    Run run = runWriterProcesses(chain, dir.resolve("settings.db"));

    assertThat(run.failuresByType).as("failed operations in the children").isEmpty();
    assertThat(run.ok).isEqualTo(PROCESSES * THREADS_PER_PROCESS * OPERATIONS_PER_THREAD);
    assertThat(run.violations).as("snapshots with zero or two active providers").isZero();
    assertThat(run.finalCounts.holds()).as("invariant at the end: %s", run.finalCounts).isTrue();
  }

  /**
   * JVM_LOCK alone does not exclude other processes; its deferred transaction keeps each operation
   * atomic, so the invariant holds, but an operation that read before another process committed
   * fails with a busy error instead of writing: lost writes, never a broken invariant.
   */
  @ParameterizedTest
  @EnumSource(value = Chain.class, names = "JVM_LOCK")
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void loseWritesToBusyErrorsButKeepTheInvariantWhenOnlyTheJvmLockGuardsFourProcesses(
      Chain chain, @TempDir Path dir) throws Exception {
    Run run = runWriterProcesses(chain, dir.resolve("settings.db"));

    assertThat(run.failuresByType)
        .as("across processes the JVM lock alone shows its documented limit")
        .containsOnlyKeys("SettingsBusyException");
    assertThat(run.failed).isPositive();
    assertThat(run.violations).as("snapshots with zero or two active providers").isZero();
    assertThat(run.finalCounts.holds()).as("invariant at the end: %s", run.finalCounts).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = Chain.class, names = "NONE")
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void breaksTheInvariantOrFailsWhenFourUnguardedProcessesWrite(Chain chain, @TempDir Path dir)
      throws Exception {
    Run run = runWriterProcesses(chain, dir.resolve("settings.db"));

    assertThat(run.failed + run.violations + (run.finalCounts.holds() ? 0 : 1))
        .as("the unguarded adapter must visibly break across processes: %s", run)
        .isPositive();
  }

  private Run runWriterProcesses(Chain chain, Path db) throws Exception {
    TestStores.seedProviders(db, SEEDED_PROVIDERS);
    List<ChildProcess> children = new ArrayList<>();
    ActiveProviderWatcher watcher = null;
    List<String> output = new ArrayList<>();
    try {
      for (int i = 0; i < PROCESSES; i++) {
        children.add(
            ChildProcess.start(
                WriterProcess.class,
                db.toString(),
                chain.name(),
                String.valueOf(THREADS_PER_PROCESS),
                String.valueOf(OPERATIONS_PER_THREAD),
                String.valueOf(i)));
      }
      for (ChildProcess child : children) {
        child.awaitLine("READY", START_TIMEOUT);
      }
      watcher = ActiveProviderWatcher.start(TestDatabase.sqlite(db));
      for (ChildProcess child : children) {
        child.send("GO");
      }
      for (ChildProcess child : children) {
        int exit = child.awaitExit(RUN_TIMEOUT);
        assertThat(exit).as("exit code of child %d: %s", child.pid(), child.lines()).isZero();
        output.addAll(child.lines());
      }
    } finally {
      if (watcher != null) {
        watcher.close();
      }
      for (ChildProcess child : children) {
        child.close();
      }
    }
    Run run = Run.parse(output, watcher.violations(), Invariant.read(db));
    assertThat(Invariant.integrityCheck(db)).isEqualTo("ok");
    System.out.printf("%s %s: %s%n", getClass().getSimpleName(), chain, run);
    return run;
  }

  private record Run(
      int ok,
      int failed,
      Map<String, Integer> failuresByType,
      List<String> failureLines,
      int violations,
      Invariant.Counts finalCounts) {

    static Run parse(List<String> lines, int violations, Invariant.Counts counts) {
      int ok = 0;
      int failed = 0;
      int results = 0;
      Map<String, Integer> byType = new TreeMap<>();
      List<String> failureLines = new ArrayList<>();
      for (String line : lines) {
        Matcher result = RESULT.matcher(line);
        if (result.matches()) {
          ok += Integer.parseInt(result.group(1));
          failed += Integer.parseInt(result.group(2));
          results++;
        }
        Matcher failure = FAILURE.matcher(line);
        if (failure.matches()) {
          byType.merge(failure.group(1), Integer.parseInt(failure.group(2)), Integer::sum);
          failureLines.add(line);
        }
      }
      assertThat(results).as("a RESULT line from every child: %s", lines).isEqualTo(PROCESSES);
      return new Run(ok, failed, byType, failureLines, violations, counts);
    }

    @Override
    public String toString() {
      return "ok="
          + ok
          + " failed="
          + failed
          + " "
          + failuresByType
          + " violations="
          + violations
          + " final="
          + finalCounts
          + (failureLines.isEmpty() ? "" : " e.g. " + failureLines.get(0));
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.tests.support.ActiveProviderWatcher;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import dev.settingsguard.tests.support.WriterProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Four real JVMs write to one database at once (on PostgreSQL each stands for a machine) ({@link
 * WriterProcess}: activations, adds, settings), released together once all have opened it, while
 * this JVM watches the invariant with plain JDBC.
 */
class MultiProcessTest {

  private static final int PROCESSES = 4;
  private static final int THREADS_PER_PROCESS = 2;
  private static final int MACHINE_THREADS = 16;
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
    Run run = runWriterProcesses(chain, Backend.SQLITE.newDatabase(dir), THREADS_PER_PROCESS);

    assertThat(run.failuresByType).as("failed operations in the children").isEmpty();
    assertThat(run.ok).isEqualTo(PROCESSES * THREADS_PER_PROCESS * OPERATIONS_PER_THREAD);
    assertThat(run.violations).as("snapshots with zero or two active providers").isZero();
    assertThat(run.finalCounts.holds()).as("invariant at the end: %s", run.finalCounts).isTrue();
  }

  /** Each JVM stands for a machine: four of them, sixteen writer threads each, on one database. */
  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"POSTGRES_ADVISORY_LOCK", "DEFAULT"})
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void keepsTheInvariantWithNoFailedOperationWhenFourMachinesOfSixteenThreadsWrite(
      Chain chain, @TempDir Path dir) throws Exception {
    Run run = runWriterProcesses(chain, Backend.POSTGRES.newDatabase(dir), MACHINE_THREADS);

    assertThat(run.failuresByType).as("failed operations in the children").isEmpty();
    assertThat(run.ok).isEqualTo(PROCESSES * MACHINE_THREADS * OPERATIONS_PER_THREAD);
    assertThat(run.violations).as("snapshots with zero or two active providers").isZero();
    assertThat(run.finalCounts.holds()).as("invariant at the end: %s", run.finalCounts).isTrue();
  }

  /**
   * JVM_LOCK alone does not exclude other processes, but its transaction keeps each operation
   * atomic, so no reader sees zero or two active providers. Each of these operations begins by
   * taking the next revision, a write, so it waits for SQLite's write lock, or the counter's row
   * lock on PostgreSQL, rather than failing after a read; what can still fail is a busy wait (the
   * lock timeout) or, on PostgreSQL, a collision the server resolves by failing one transaction.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void keepTheInvariantWhenOnlyTheJvmLockGuardsFourProcesses(Backend backend, @TempDir Path dir)
      throws Exception {
    Run run = runWriterProcesses(Chain.JVM_LOCK, backend.newDatabase(dir), THREADS_PER_PROCESS);

    assertThat(run.failuresByType.keySet())
        .as("failures across processes under the JVM lock alone")
        .isSubsetOf("SettingsBusyException", "SettingsStorageException");
    assertThat(run.violations).as("snapshots with zero or two active providers").isZero();
    assertThat(run.finalCounts.holds()).as("invariant at the end: %s", run.finalCounts).isTrue();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("noneOnEveryBackend")
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void breaksTheInvariantOrFailsWhenFourUnguardedProcessesWrite(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    Run run = runWriterProcesses(chain, backend.newDatabase(dir), THREADS_PER_PROCESS);

    assertThat(run.failed + run.violations + (run.finalCounts.holds() ? 0 : 1))
        .as("the unguarded adapter must visibly break across processes: %s", run)
        .isPositive();
  }

  static Stream<Arguments> noneOnEveryBackend() {
    return Arrays.stream(Backend.values()).map(backend -> Arguments.of(backend, Chain.NONE));
  }

  private Run runWriterProcesses(Chain chain, TestDatabase db, int threadsPerProcess)
      throws Exception {
    TestStores.seedProviders(db, SEEDED_PROVIDERS);
    List<ChildProcess> children = new ArrayList<>();
    ActiveProviderWatcher watcher = null;
    List<String> output = new ArrayList<>();
    try {
      for (int i = 0; i < PROCESSES; i++) {
        children.add(
            ChildProcess.start(
                WriterProcess.class,
                db.toArgument(),
                chain.name(),
                String.valueOf(threadsPerProcess),
                String.valueOf(OPERATIONS_PER_THREAD),
                String.valueOf(i)));
      }
      for (ChildProcess child : children) {
        child.awaitLine("READY", START_TIMEOUT);
      }
      watcher = ActiveProviderWatcher.start(db);
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
    if (db.backend() == Backend.SQLITE) {
      assertThat(Invariant.integrityCheck(db.file())).isEqualTo("ok");
    }
    System.out.printf(
        "%s %s %s: %s (watcher: %d reads)%n",
        getClass().getSimpleName(), db.backend(), chain, run, watcher.reads());
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

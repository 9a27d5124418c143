package dev.settingsguard.tests.support;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, when the test run ends, how many PostgreSQL tests ran, failed and were skipped, so that
 * CI's log shows the backend's suite ran whole. A PostgreSQL test is one whose class name starts
 * with {@code Postgres}, or whose parameters, or its class's, name {@link Backend#POSTGRES}.
 * Registered through {@code META-INF/services}.
 */
public final class PostgresTestCount implements TestExecutionListener {

  /** Containers (parameterized class invocations) that run on PostgreSQL. */
  private final Set<String> postgresContainers = ConcurrentHashMap.newKeySet();

  private final AtomicInteger passed = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger skipped = new AtomicInteger();

  @Override
  public void executionStarted(TestIdentifier test) {
    if (test.isContainer() && isPostgres(test)) {
      postgresContainers.add(test.getUniqueId());
    }
  }

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    if (isPostgres(test)) {
      skipped.incrementAndGet();
    }
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (!test.isTest() || !isPostgres(test)) {
      return;
    }
    if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
      passed.incrementAndGet();
    } else {
      failed.incrementAndGet();
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan plan) {
    System.out.printf(
        "PostgreSQL tests: %d passed, %d failed, %d skipped%n",
        passed.get(), failed.get(), skipped.get());
  }

  private boolean isPostgres(TestIdentifier test) {
    String id = test.getUniqueId();
    return id.contains("[class:dev.settingsguard.tests.Postgres")
        || test.getDisplayName().contains("POSTGRES")
        || test.getParentId().filter(postgresContainers::contains).isPresent();
  }
}

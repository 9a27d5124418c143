package dev.settingsguard.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one concurrency run produced, judged the same way for every chain: a safe chain must show
 * nothing wrong, {@link Chain#NONE} must show something wrong.
 *
 * @param failures what the operations threw
 * @param unfinished threads still running at the join deadline
 * @param violations snapshots in which a reader (the watcher, or a reader thread) saw the invariant
 *     broken
 * @param finalCounts the invariant's counts after the run
 */
public record Outcome(
    List<Throwable> failures, int unfinished, int violations, Invariant.Counts finalCounts) {

  public Outcome {
    failures = List.copyOf(failures);
  }

  /**
   * @return how many signs of the bug the run showed: failures, violating snapshots, and one more
   *     if the invariant is broken at the end
   */
  public int signsOfTheBug() {
    return failures.size() + violations + (finalCounts.holds() ? 0 : 1);
  }

  /**
   * Asserts what the chain promises of a run that writes providers: as {@link #assertExpectedFor},
   * and for {@code NONE} the watcher must have seen snapshots with zero or two active providers, so
   * that the run proves the watcher can see the bug and not only that some write failed.
   *
   * @param chain the chain the run used
   */
  public void assertInvariantExpectedFor(Chain chain) {
    assertExpectedFor(chain);
    if (!chain.safe()) {
      assertThat(violations)
          .as("snapshots with zero or two active providers seen under NONE: %s", this)
          .isPositive();
    }
  }

  /**
   * Asserts what the chain promises under concurrent threads: a safe chain shows no failure, no
   * violating snapshot, and the invariant at the end; {@code NONE} shows at least one of them.
   *
   * @param chain the chain the run used
   */
  public void assertExpectedFor(Chain chain) {
    assertThat(unfinished).as("threads still running at the join deadline").isZero();
    if (chain.safe()) {
      assertThat(failures).as("failed operations under %s", chain).isEmpty();
      assertThat(violations).as("snapshots with zero or two active providers").isZero();
      assertThat(finalCounts.holds()).as("invariant at the end: %s", finalCounts).isTrue();
    } else {
      assertThat(signsOfTheBug())
          .as("the unguarded adapter must visibly break under the same harness: %s", this)
          .isPositive();
    }
  }

  /**
   * @return failures grouped by exception class, for the test's output
   */
  public Map<String, Long> failuresByType() {
    return failures.stream()
        .collect(
            Collectors.groupingBy(
                failure -> failure.getClass().getSimpleName(),
                TreeMap::new,
                Collectors.counting()));
  }

  @Override
  public String toString() {
    return "Outcome[failures="
        + failuresByType()
        + (failures.isEmpty() ? "" : " first: " + failures.get(0))
        + ", unfinished="
        + unfinished
        + ", violations="
        + violations
        + ", final="
        + finalCounts
        + "]";
  }
}

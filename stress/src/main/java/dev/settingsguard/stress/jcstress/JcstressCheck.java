package dev.settingsguard.stress.jcstress;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;

/**
 * The CI gate over the jcstress tests: runs them with the given jcstress options, then exits
 * non-zero if any test saw a {@code FORBIDDEN} outcome or failed to run, or if the negative control
 * {@link Providers_01_None} did not show its race. jcstress itself always exits 0.
 *
 * <p>Run it from {@code jcstress.jar}, which holds the tests and jcstress:
 *
 * <pre>
 * java -cp stress/target/jcstress.jar dev.settingsguard.stress.jcstress.JcstressCheck \
 *     -m quick -jvmArgs -Xmx512m -sc false -time 150 -iters 3
 * </pre>
 *
 * <p>Reads the run's results through jcstress 0.16's own collector and grading classes, so an
 * outcome counts as forbidden or interesting exactly as jcstress's report says.
 */
public final class JcstressCheck {

  private static final String NEGATIVE_CONTROL = Providers_01_None.class.getName();

  private JcstressCheck() {}

  /**
   * @param args jcstress options; {@code -t} defaults to this package's tests
   * @throws Exception if jcstress cannot run or its result file cannot be read
   */
  public static void main(String[] args) throws Exception {
    Options options = new Options(withDefaultFilter(args));
    if (!options.parse()) {
      System.exit(2);
    }
    JCStress jcstress = new JCStress(options);
    SortedSet<String> expected = jcstress.getTests();
    long start = System.nanoTime();
    try {
      jcstress.run();
    } catch (AssertionError failedTests) {
      // jcstress's own report of failed tests ends this way; they are graded again below.
    }
    List<String> problems = problems(expected, readResults(options.getResultFile()));
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    if (problems.isEmpty()) {
      System.out.printf(
          "jcstress check PASSED in %d s: %d tests, no forbidden outcome, %s showed its race%n",
          seconds, expected.size(), NEGATIVE_CONTROL);
      System.exit(0);
    }
    System.out.printf("jcstress check FAILED in %d s:%n", seconds);
    problems.forEach(problem -> System.out.println("  " + problem));
    System.exit(1);
  }

  private static String[] withDefaultFilter(String[] args) {
    for (String arg : args) {
      if (arg.equals("-t")) {
        return args;
      }
    }
    String[] filtered = new String[args.length + 2];
    System.arraycopy(args, 0, filtered, 0, args.length);
    filtered[args.length] = "-t";
    filtered[args.length + 1] = JcstressCheck.class.getPackageName() + "\\.";
    return filtered;
  }

  private static List<TestResult> readResults(String resultFile) throws Exception {
    InProcessCollector collector = new InProcessCollector();
    DiskReadCollector reader = new DiskReadCollector(resultFile, collector);
    try {
      reader.dump();
    } finally {
      reader.close();
    }
    return ReportUtils.mergedByName(collector.getTestResults());
  }

  private static List<String> problems(SortedSet<String> expected, List<TestResult> results) {
    List<String> problems = new ArrayList<>();
    if (!expected.contains(NEGATIVE_CONTROL)) {
      problems.add(NEGATIVE_CONTROL + ": not selected; without it a pass proves nothing");
    }
    for (String test : expected) {
      TestResult result =
          results.stream().filter(r -> r.getName().equals(test)).findFirst().orElse(null);
      if (result == null) {
        problems.add(test + ": did not run");
      } else if (result.status() != Status.NORMAL) {
        problems.add(test + ": " + result.status() + " " + result.getMessages());
      } else if (!result.grading().isPassed) {
        problems.add(test + ": FORBIDDEN outcome " + result.grading().failureMessages);
      } else if (test.equals(NEGATIVE_CONTROL) && !result.grading().hasInteresting) {
        problems.add(
            test
                + ": the race was not observed in "
                + result.getTotalCount()
                + " samples; the harness may be unable to fail");
      }
    }
    return problems;
  }
}

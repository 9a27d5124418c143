package dev.settingsguard.stress.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The child-process side of a multi-process measurement: warms up every contender, says {@code
 * ready}, then for each {@link LoadRequest} line on stdin runs the load and answers one {@code
 * result} line (or an {@code error} line) on stdout. Ends at end of input, when the harness closes
 * its stdin.
 */
public final class ChildWorker {

  static final String READY = "ready";
  static final String RESULT = "result ";
  static final String ERROR = "error ";

  private static final Duration WARMUP = Duration.ofMillis(150);

  private ChildWorker() {}

  /**
   * Serves requests until end of input.
   *
   * @param stdin where requests arrive
   * @param stdout where answers go; nothing else may write to it
   * @throws IOException if stdin fails
   * @throws InterruptedException if interrupted during a run
   */
  public static void serve(InputStream stdin, PrintStream stdout)
      throws IOException, InterruptedException {
    JitWarmup.run(List.of(Contender.values()), List.of(Workload.values()), WARMUP);
    stdout.println(READY);
    stdout.flush();
    BufferedReader requests =
        new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    String line;
    while ((line = requests.readLine()) != null) {
      try {
        stdout.println(RESULT + LoadRun.run(LoadRequest.fromLine(line)).toLine());
      } catch (RuntimeException failure) {
        stdout.println(ERROR + KeyValueLine.format(Map.of("message", failure.toString())));
      }
      stdout.flush();
    }
  }
}

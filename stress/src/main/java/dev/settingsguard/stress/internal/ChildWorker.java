package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The child-process side of a multi-process measurement, speaking one line at a time on stdin and
 * stdout. It says {@code ready} once started. Then, for each {@link LoadRequest} line, it prepares
 * the run and says {@code prepared}; on {@code start <epoch millis>} it runs from that instant and
 * answers one {@code result} line. The harness warms the children up with such requests too, all
 * children at once, so they compile the paths that contention between processes takes. Any failure
 * is answered with an {@code error} line instead. It ends at end of input, when the harness closes
 * its stdin.
 */
public final class ChildWorker {

  static final String READY = "ready";
  static final String PREPARED = "prepared";
  static final String START = "start ";
  static final String RESULT = "result ";
  static final String ERROR = "error ";

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
    answer(stdout, READY);
    BufferedReader lines = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    String request;
    while ((request = lines.readLine()) != null) {
      try (LoadRun run = LoadRun.prepare(LoadRequest.fromLine(request))) {
        answer(stdout, PREPARED);
        String start = lines.readLine();
        if (start == null || !start.startsWith(START)) {
          return;
        }
        LoadResult result = run.runFrom(Long.parseLong(start.substring(START.length())));
        answer(stdout, RESULT + result.toLine());
      } catch (RuntimeException failure) {
        answer(
            stdout,
            ERROR
                + KeyValueLine.format(
                    Map.of("message", PostgresDatabase.redact(failure.toString()))));
      }
    }
  }

  private static void answer(PrintStream stdout, String line) {
    stdout.println(line);
    stdout.flush();
  }
}

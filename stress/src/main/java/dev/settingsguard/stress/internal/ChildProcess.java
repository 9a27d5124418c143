package dev.settingsguard.stress.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The harness's handle on one child JVM running {@link ChildWorker}: started once, reused for every
 * multi-process measurement, so JVM start-up and JIT warm-up are paid once and never measured. Its
 * stderr (logging) goes to the harness's stderr.
 */
public final class ChildProcess implements AutoCloseable {

  private static final String END = "\u0000end";

  private final Process process;
  private final PrintStream requests;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

  private ChildProcess(Process process) {
    this.process = process;
    this.requests = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readAnswers, "child-" + process.pid() + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a child JVM with this JVM's java binary and class path.
   *
   * @param mainClass the class whose {@code main} runs {@link ChildWorker#serve}, or another
   *     protocol of lines on stdin and stdout such as {@link FeedProbe#writeAsChild}
   * @param arguments its arguments
   * @return the child; a {@link ChildWorker} one is not yet ready: call {@link #awaitReady}
   * @throws IOException if the JVM cannot be started
   */
  public static ChildProcess launch(String mainClass, List<String> arguments) throws IOException {
    Process process =
        new ProcessBuilder(command(mainClass, arguments))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    return new ChildProcess(process);
  }

  /**
   * @param mainClass a class of this JVM's class path
   * @param arguments its arguments
   * @return the command that runs it in a new JVM of the same Java
   */
  private static List<String> command(String mainClass, List<String> arguments) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(arguments);
    return command;
  }

  private void readAnswers() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        answers.add(line);
      }
    } catch (IOException ignored) {
      // The child died; END below tells whoever waits.
    }
    answers.add(END);
  }

  /**
   * @param timeout how long the JVM's start-up may take
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitReady(Duration timeout) throws InterruptedException {
    expect(ChildWorker.READY, timeout);
  }

  /**
   * Sends a request; the child opens its store and starts its threads, then waits for {@link
   * #start}.
   *
   * @param request what the child runs
   */
  public void prepare(LoadRequest request) {
    send(request.toLine());
  }

  /**
   * @param timeout how long opening the store and starting the threads may take
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitPrepared(Duration timeout) throws InterruptedException {
    expect(ChildWorker.PREPARED, timeout);
  }

  /**
   * @param epochMillis when the prepared run starts, on the wall clock all processes share
   */
  public void start(long epochMillis) {
    send(ChildWorker.START + epochMillis);
  }

  /**
   * @param timeout how long the run may still take
   * @return the child's answer to the last request sent
   * @throws InterruptedException if interrupted while waiting
   */
  public LoadResult awaitResult(Duration timeout) throws InterruptedException {
    String line = answer(timeout);
    if (!line.startsWith(ChildWorker.RESULT)) {
      throw new IllegalStateException("Child " + process.pid() + " answered '" + line + "'");
    }
    return LoadResult.fromLine(line.substring(ChildWorker.RESULT.length()));
  }

  /**
   * Sends one line of the child's own protocol.
   *
   * @param line the line, without its end
   */
  public void send(String line) {
    requests.println(line);
  }

  /**
   * @param expected the answer the child gives when all went well
   * @param timeout how long the child may take to give it
   * @throws IllegalStateException if it answers anything else, exits or stays silent
   * @throws InterruptedException if interrupted while waiting
   */
  public void expect(String expected, Duration timeout) throws InterruptedException {
    String line = answer(timeout);
    if (!line.equals(expected)) {
      throw new IllegalStateException(
          "Child " + process.pid() + " answered '" + line + "', not '" + expected + "'");
    }
  }

  /** The next answer, unless it is an error, which is thrown. */
  private String answer(Duration timeout) throws InterruptedException {
    String line = nextAnswer(timeout);
    if (line.startsWith(ChildWorker.ERROR)) {
      throw new IllegalStateException(
          "Child "
              + process.pid()
              + " failed: "
              + KeyValueLine.parse(line.substring(ChildWorker.ERROR.length())).get("message"));
    }
    return line;
  }

  private String nextAnswer(Duration timeout) throws InterruptedException {
    String line = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new IllegalStateException("Child " + process.pid() + " silent for " + timeout);
    }
    if (line.equals(END)) {
      throw new IllegalStateException(
          "Child " + process.pid() + " exited" + (process.isAlive() ? "" : " with " + exitCode()));
    }
    return line;
  }

  private int exitCode() {
    try {
      return process.waitFor();
    } catch (InterruptedException interrupt) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Closes the child's stdin, which ends it; kills it if it has not exited within 10 s. */
  @Override
  public void close() {
    requests.close();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException interrupt) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}

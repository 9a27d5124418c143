package dev.settingsguard.tests.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM ({@link ChildJvm}) whose output lines are collected as they arrive, so a test can
 * wait for a line such as {@code READY} with a bound, talk to it on stdin, and kill it.
 */
public final class ChildProcess implements AutoCloseable {

  private final Process process;
  private final Writer stdin;
  private final Thread reader;
  private final List<String> lines = new ArrayList<>();
  private boolean ended;

  private ChildProcess(Process process, String name) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader = new Thread(this::readLines, "child-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * @param mainClass the class whose {@code main} the child runs
   * @param args its arguments
   * @return the started child
   * @throws IOException if the JVM cannot be started
   */
  public static ChildProcess start(Class<?> mainClass, String... args) throws IOException {
    return new ChildProcess(ChildJvm.start(mainClass, args), mainClass.getSimpleName());
  }

  /**
   * @param jarNamePrefixes the starts of the file names of the jars to leave off the class path
   * @param mainClass the class whose {@code main} the child runs
   * @param args its arguments
   * @return the started child
   * @throws IOException if the JVM cannot be started
   */
  public static ChildProcess startWithout(
      List<String> jarNamePrefixes, Class<?> mainClass, String... args) throws IOException {
    return new ChildProcess(
        ChildJvm.startWithout(jarNamePrefixes, mainClass, args), mainClass.getSimpleName());
  }

  private void readLines() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException ignored) {
      // The stream closes when the child dies; what was read is kept.
    } finally {
      synchronized (this) {
        ended = true;
        notifyAll();
      }
    }
  }

  /**
   * Waits for a line starting with {@code prefix}.
   *
   * @param prefix what the line starts with
   * @param timeout the bound on the wait
   * @return the line
   * @throws IllegalStateException if the child ended or the timeout passed first; names its output
   * @throws InterruptedException if interrupted while waiting
   */
  public synchronized String awaitLine(String prefix, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int seen = 0; ; ) {
      for (; seen < lines.size(); seen++) {
        if (lines.get(seen).startsWith(prefix)) {
          return lines.get(seen);
        }
      }
      long left = deadline - System.nanoTime();
      if (ended || left <= 0) {
        throw new IllegalStateException(
            "child "
                + process.pid()
                + " printed no line starting with '"
                + prefix
                + "' "
                + (ended ? "before it ended" : "within " + timeout)
                + "; output: "
                + lines);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /**
   * Sends one line to the child's stdin.
   *
   * @param line the line, without its end
   */
  public void send(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException failure) {
      throw new UncheckedIOException("cannot write to child " + process.pid(), failure);
    }
  }

  /**
   * Kills the child with SIGKILL (what {@link Process#destroyForcibly()} sends on Linux) and waits
   * for it to be gone and its output to be read.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("child " + process.pid() + " survived SIGKILL");
    }
    reader.join(10_000);
  }

  /**
   * Waits for the child to exit on its own and for its output to be read.
   *
   * @param timeout the bound on the wait
   * @return its exit code
   * @throws IllegalStateException if it is still running at the timeout (it is then killed)
   * @throws InterruptedException if interrupted while waiting
   */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      throw new IllegalStateException(
          "child " + process.pid() + " still running after " + timeout + "; output: " + lines());
    }
    reader.join(10_000);
    return process.exitValue();
  }

  /**
   * @return the lines the child printed so far
   */
  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  /**
   * @return the lines printed so far that start with {@code prefix}
   */
  public synchronized List<String> linesStartingWith(String prefix) {
    return lines.stream().filter(line -> line.startsWith(prefix)).toList();
  }

  /**
   * @return the child's process id
   */
  public long pid() {
    return process.pid();
  }

  /** Kills the child if it is still running. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}

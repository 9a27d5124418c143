package dev.settingsguard.tests.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Starts a real separate JVM running a main class of this test module's classpath. */
public final class ChildJvm {

  private ChildJvm() {}

  /**
   * @param mainClass the class whose {@code main} the child runs
   * @param args its arguments
   * @return the started process; its stderr is merged into stdout
   * @throws IOException if the JVM cannot be started
   */
  public static Process start(Class<?> mainClass, String... args) throws IOException {
    return start(System.getProperty("java.class.path"), mainClass, args);
  }

  /**
   * As {@link #start(Class, String...)}, with the jars of some artifacts left off the class path,
   * to run what a user without those optional dependencies runs.
   *
   * @param jarNamePrefixes the starts of the file names of the jars to leave off, e.g. {@code
   *     tink-}
   * @param mainClass the class whose {@code main} the child runs
   * @param args its arguments
   * @return the started process; its stderr is merged into stdout
   * @throws IOException if the JVM cannot be started
   */
  public static Process startWithout(
      List<String> jarNamePrefixes, Class<?> mainClass, String... args) throws IOException {
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(
                entry ->
                    jarNamePrefixes.stream()
                        .noneMatch(Path.of(entry).getFileName().toString()::startsWith))
            .collect(Collectors.joining(File.pathSeparator));
    return start(classPath, mainClass, args);
  }

  private static Process start(String classPath, Class<?> mainClass, String... args)
      throws IOException {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("-Xmx128m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }
}

package dev.settingsguard.tests.support;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

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
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("-Xmx128m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }
}

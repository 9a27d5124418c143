package dev.settingsguard.stress.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories for the databases the stress tools create and throw away. */
public final class TempFiles {

  private TempFiles() {}

  /**
   * @param prefix the directory name's prefix
   * @return a new, empty directory under the system's temporary directory
   */
  public static Path createDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException failure) {
      throw new UncheckedIOException(failure);
    }
  }

  /**
   * Deletes a directory and everything in it; best effort, as it runs at the end of a run.
   *
   * @param directory the directory; absent is fine
   */
  public static void deleteTree(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(TempFiles::deleteQuietly);
    } catch (IOException | UncheckedIOException ignored) {
      // A file that cannot be listed is left for the OS's temporary-file cleanup.
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // Left for the OS's temporary-file cleanup, like the rest of the temporary directory.
    }
  }
}

package dev.settingsguard.core.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;

/** Creates files readable and writable by their owner only, where the file system allows it. */
public final class OwnerOnlyFiles {

  private OwnerOnlyFiles() {}

  /**
   * Creates {@code file} with mode {@code rw-------} unless it exists. The mode is set at creation,
   * so the file is never visible with wider permissions.
   *
   * @param file the file to create
   * @throws IOException if the file cannot be created (its parent is missing, say)
   */
  public static void createIfAbsent(Path file) throws IOException {
    try {
      Files.createFile(
          file,
          PosixFilePermissions.asFileAttribute(
              EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
    } catch (FileAlreadyExistsException alreadyThere) {
      // Another store or process created it first; its permissions were set by its creator.
    } catch (UnsupportedOperationException noPosixPermissions) {
      try {
        Files.createFile(file);
      } catch (FileAlreadyExistsException alreadyThere) {
        // As above.
      }
    }
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The database, its WAL and shared-memory files and the lock file are owner-only. */
@Timeout(30)
class FilePermissionsTest {

  @TempDir Path dir;

  @Test
  void createsEveryFileReadableAndWritableByItsOwnerOnly() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.ALL, db)) {
      store.addAiProvider("a", null, null); // a write creates the -wal and -shm files

      for (String suffix : new String[] {"", "-wal", "-shm", ".lock"}) {
        Path file = dir.resolve("s.db" + suffix);
        assertThat(file).as(file.toString()).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
            .as(file.toString())
            .isEqualTo("rw-------");
      }
    }
  }

  @Test
  void leavesTheModeOfAnExistingDatabaseAlone() throws Exception {
    Path db = dir.resolve("shared.db");
    Files.createFile(
        db, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw----")));
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-rw----"));

    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      store.setSetting("k", "v");
    }

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db)))
        .isEqualTo("rw-rw----");
  }
}

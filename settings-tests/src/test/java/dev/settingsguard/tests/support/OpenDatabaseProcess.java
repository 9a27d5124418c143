package dev.settingsguard.tests.support;

import dev.settingsguard.core.SettingsStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A child JVM that opens a database the moment it reads {@code GO} on stdin, so that several
 * children open one new file at the same instant. Prints {@code READY} when started, then {@code
 * OK} or {@code FAIL <exception>}.
 */
public final class OpenDatabaseProcess {

  private OpenDatabaseProcess() {}

  /**
   * @param args the database: a file or a PostgreSQL URL
   * @throws Exception if stdin cannot be read
   */
  public static void main(String[] args) throws Exception {
    TestDatabase database = TestDatabase.fromArgument(args[0]);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    // Load the classes an open needs before the race, so the children open together.
    Class.forName("dev.settingsguard.locking.SettingsStores");
    Class.forName("org.sqlite.JDBC");
    Class.forName("org.postgresql.Driver");
    System.out.println("READY");
    System.out.flush();
    if (!"GO".equals(in.readLine())) {
      return;
    }
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, database)) {
      store.setSetting("opened-by-" + ProcessHandle.current().pid(), "yes");
      System.out.println("OK");
    } catch (RuntimeException failure) {
      System.out.println("FAIL " + failure);
    }
  }
}

package dev.settingsguard.tests.support;

import dev.settingsguard.testkit.PostgresServer;
import java.nio.file.Path;

/** The two backends every suite runs on. */
public enum Backend {
  SQLITE,
  POSTGRES;

  /**
   * @param directory a per-test temporary directory, for a SQLite file
   * @return a new, empty database of this backend: a file in the directory, or a database of its
   *     own on the tests' PostgreSQL server
   */
  public TestDatabase newDatabase(Path directory) {
    return this == SQLITE
        ? TestDatabase.sqlite(directory.resolve("settings.db"))
        : TestDatabase.postgres(PostgresServer.shared().newDatabase());
  }
}

package dev.settingsguard.jdbi.internal;

import dev.settingsguard.core.SettingsStorageException;
import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema, versioned with {@code PRAGMA user_version}.
 *
 * <p>Opening a file whose schema is current takes no lock at all: the version is read first, in
 * auto-commit. Otherwise migration runs inside one {@code BEGIN IMMEDIATE} transaction: when
 * several processes open a new file at the same moment, one applies the steps and the others wait
 * for the write lock, then read the new version and apply nothing. Every step is also idempotent
 * ({@code IF NOT EXISTS}).
 *
 * <p>Not taking the write lock for a current schema matters beyond speed: strategies that exclude
 * writers with their own locks run deferred transactions, and a deferred transaction that has read
 * fails at once if another connection holds the write lock, even briefly for an empty migration.
 */
public final class Schema {

  private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

  /** Step {@code i} brings the schema from version {@code i} to version {@code i + 1}. */
  private static final List<List<String>> STEPS =
      List.of(
          List.of(
              """
              CREATE TABLE IF NOT EXISTS settings (
                key        TEXT PRIMARY KEY NOT NULL,
                value      TEXT,
                updated_at INTEGER NOT NULL
              )""",
              """
              CREATE TABLE IF NOT EXISTS ai_providers (
                id            INTEGER PRIMARY KEY,
                provider_name TEXT NOT NULL UNIQUE,
                api_key       TEXT,
                model         TEXT,
                is_active     INTEGER NOT NULL CHECK (is_active IN (0, 1)),
                created_at    INTEGER NOT NULL,
                updated_at    INTEGER NOT NULL
              )""",
              // "At most one active" is the database's job, for every client, this library or not.
              """
              CREATE UNIQUE INDEX IF NOT EXISTS ai_providers_single_active
                ON ai_providers (is_active) WHERE is_active = 1"""));

  /** The version this library writes and reads. */
  public static final int VERSION = STEPS.size();

  private Schema() {}

  /**
   * Switches the file to WAL and brings its schema to {@link #VERSION}.
   *
   * @param handle a handle in auto-commit mode
   * @param database the file, for messages
   * @throws SettingsStorageException if WAL is unavailable or the file has a newer schema
   */
  public static void migrate(Handle handle, Path database) {
    // WAL is a property of the file: set once, every later connection finds it.
    String mode = handle.createQuery("PRAGMA journal_mode = WAL").mapTo(String.class).one();
    if (!"wal".equalsIgnoreCase(mode)) {
      throw new SettingsStorageException(
          "Settings database " + database + " cannot use WAL journaling (got " + mode + ")", null);
    }
    if (checkedVersion(handle, database) == VERSION) {
      return;
    }
    handle.execute("BEGIN IMMEDIATE");
    try {
      // Read again under the write lock: another process may have migrated meanwhile.
      int version = checkedVersion(handle, database);
      for (int step = version; step < VERSION; step++) {
        STEPS.get(step).forEach(handle::execute);
      }
      if (version < VERSION) {
        // PRAGMA takes no bound parameters; VERSION is a constant of this class.
        handle.execute("PRAGMA user_version = " + VERSION);
        LOG.info("Migrated settings database {} from schema {} to {}", database, version, VERSION);
      }
      handle.execute("COMMIT");
    } catch (RuntimeException failure) {
      handle.execute("ROLLBACK");
      throw failure;
    }
  }

  private static int checkedVersion(Handle handle, Path database) {
    int version = handle.createQuery("PRAGMA user_version").mapTo(Integer.class).one();
    if (version > VERSION) {
      throw new SettingsStorageException(
          "Settings database "
              + database
              + " has schema version "
              + version
              + ", newer than this library's "
              + VERSION,
          null);
    }
    return version;
  }
}

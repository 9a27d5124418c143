package dev.settingsguard.jdbi.sqlite.internal;

import dev.settingsguard.core.SettingsStorageException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema, versioned with {@code PRAGMA user_version}, and the checks that keep this library off
 * files it did not make.
 *
 * <p>Opening reads before it writes anything: the version, the objects in the file and the shape of
 * both tables (columns, the {@code CHECK}, the unique provider name, the single-active index) are
 * checked in one read transaction on a read-only connection, and a newer or foreign schema is
 * refused while the file is still byte for byte as it was: even the switch to WAL comes after the
 * checks, and a read-only connection does not checkpoint a WAL into the file when it closes. A file
 * whose schema is current and whose data keeps the invariant then takes no lock at all. Otherwise
 * one {@code BEGIN IMMEDIATE} transaction checks again under the write lock and migrates, restores
 * a dropped single-active index, or makes a provider active where a foreign client left none;
 * processes that open a file at the same moment find the work done when they get the lock.
 *
 * <p>Not taking the write lock for a current schema matters beyond speed: strategies that exclude
 * writers with their own locks run deferred transactions, and a deferred transaction that has read
 * fails at once if another connection holds the write lock, even briefly for an empty migration.
 */
public final class Schema {

  private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

  private static final String SETTINGS_TABLE =
      """
      CREATE TABLE IF NOT EXISTS settings (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT,
        updated_at INTEGER NOT NULL
      )""";

  private static final String PROVIDERS_TABLE =
      """
      CREATE TABLE IF NOT EXISTS ai_providers (
        id            INTEGER PRIMARY KEY,
        provider_name TEXT NOT NULL UNIQUE,
        api_key       TEXT,
        model         TEXT,
        is_active     INTEGER NOT NULL CHECK (is_active IN (0, 1)),
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      )""";

  /** "At most one active" is the database's job, for every client, this library or not. */
  private static final String SINGLE_ACTIVE_INDEX_NAME = "ai_providers_single_active";

  private static final String SINGLE_ACTIVE_INDEX =
      """
      CREATE UNIQUE INDEX IF NOT EXISTS ai_providers_single_active
        ON ai_providers (is_active) WHERE is_active = 1""";

  /**
   * Version 2: every row carries the revision that last changed it (rows from before the migration
   * get revision 1, as does the counter when there are any), the revision counter in a table of one
   * row, and the change log. The log holds the changes of the revisions after {@code
   * trimmed_through}; kept in the order of its key alone ({@code WITHOUT ROWID}), an append writes
   * one page rather than a table's and an index's.
   */
  private static final List<String> REVISIONS =
      List.of(
          "ALTER TABLE settings ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
          "ALTER TABLE ai_providers ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
          """
          CREATE TABLE settings_revision (
            id              INTEGER PRIMARY KEY CHECK (id = 1),
            revision        INTEGER NOT NULL,
            trimmed_through INTEGER NOT NULL
          )""",
          """
          INSERT INTO settings_revision (id, revision, trimmed_through)
            SELECT 1, n, n FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM settings)
              OR EXISTS (SELECT 1 FROM ai_providers) THEN 1 ELSE 0 END AS n)""",
          """
          CREATE TABLE settings_changes (
            revision    INTEGER NOT NULL,
            seq         INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            setting_key TEXT,
            provider_id INTEGER,
            changed_at  INTEGER NOT NULL,
            PRIMARY KEY (revision, seq)
          ) WITHOUT ROWID""");

  /** Step {@code i} brings the schema from version {@code i} to version {@code i + 1}. */
  private static final List<List<String>> STEPS =
      List.of(List.of(SETTINGS_TABLE, PROVIDERS_TABLE, SINGLE_ACTIVE_INDEX), REVISIONS);

  /** The version this library writes and reads. */
  public static final int VERSION = STEPS.size();

  private static final List<Column> SETTINGS_V1 =
      List.of(
          new Column("key", "TEXT", true, true),
          new Column("value", "TEXT", false, false),
          new Column("updated_at", "INTEGER", true, false));

  private static final List<Column> PROVIDERS_V1 =
      List.of(
          new Column("id", "INTEGER", false, true),
          new Column("provider_name", "TEXT", true, false),
          new Column("api_key", "TEXT", false, false),
          new Column("model", "TEXT", false, false),
          new Column("is_active", "INTEGER", true, false),
          new Column("created_at", "INTEGER", true, false),
          new Column("updated_at", "INTEGER", true, false));

  private static final Column REVISION = new Column("revision", "INTEGER", true, false);

  /**
   * Each table's columns as {@code PRAGMA table_info} lists them (name, type, not null, key) at
   * version 1, the tables a file of version 0 or 1 may hold.
   */
  private static final List<Table> TABLES_V1 =
      List.of(new Table("settings", SETTINGS_V1), new Table("ai_providers", PROVIDERS_V1));

  /** The tables of the current version. */
  private static final List<Table> TABLES =
      List.of(
          new Table("settings", withRevision(SETTINGS_V1)),
          new Table("ai_providers", withRevision(PROVIDERS_V1)),
          new Table(
              "settings_revision",
              List.of(
                  new Column("id", "INTEGER", false, true),
                  new Column("revision", "INTEGER", true, false),
                  new Column("trimmed_through", "INTEGER", true, false))),
          new Table(
              "settings_changes",
              List.of(
                  new Column("revision", "INTEGER", true, true),
                  new Column("seq", "INTEGER", true, true),
                  new Column("kind", "TEXT", true, false),
                  new Column("setting_key", "TEXT", false, false),
                  new Column("provider_id", "INTEGER", false, false),
                  new Column("changed_at", "INTEGER", true, false))));

  /** Every name of a table of this library's, at any version. */
  private static final String OUR_TABLE_NAMES =
      TABLES.stream().map(table -> "'" + table.name() + "'").collect(Collectors.joining(", "));

  private Schema() {}

  private static List<Column> withRevision(List<Column> columns) {
    return Stream.concat(columns.stream(), Stream.of(REVISION)).toList();
  }

  /**
   * Checks the file in one read transaction, so that every check sees one snapshot; nothing is
   * written.
   *
   * @param handle a handle on a read-only connection in auto-commit mode
   * @param database the file, for messages
   * @return whether {@link #migrate} has work to do: switch to WAL, create or migrate the schema,
   *     restore the single-active index, or make a provider active
   * @throws SettingsStorageException if this library must not touch the file: a newer or foreign
   *     schema, or several active providers and no index to prevent it
   */
  public static boolean needsMigration(Handle handle, Path database) {
    handle.execute("BEGIN");
    try {
      String mode = handle.createQuery("PRAGMA journal_mode").mapTo(String.class).one();
      return inspect(handle, database).needsWork() || !"wal".equalsIgnoreCase(mode);
    } finally {
      handle.execute("COMMIT");
    }
  }

  /**
   * Switches the file to WAL and brings its schema to {@link #VERSION}, restoring the single-active
   * index and an active provider where a foreign client removed them. Checks the file again first,
   * under the write lock.
   *
   * @param handle a handle in auto-commit mode
   * @param database the file, for messages
   * @throws SettingsStorageException as {@link #needsMigration} does, or if WAL is unavailable; the
   *     file's schema and data are left unchanged
   */
  public static void migrate(Handle handle, Path database) {
    useWal(handle, database);
    handle.execute("BEGIN IMMEDIATE");
    try {
      // Inspect again under the write lock: another process may have done the work meanwhile.
      Findings found = inspect(handle, database);
      for (int step = found.version(); step < VERSION; step++) {
        STEPS.get(step).forEach(handle::execute);
      }
      if (found.version() < VERSION) {
        // PRAGMA takes no bound parameters; VERSION is a constant of this class.
        handle.execute("PRAGMA user_version = " + VERSION);
        LOG.info(
            "Migrated settings database {} from schema {} to {}",
            database,
            found.version(),
            VERSION);
      } else if (!found.singleActiveIndex()) {
        handle.execute(SINGLE_ACTIVE_INDEX);
        LOG.warn(
            "Settings database {} had lost its index {}; restored it",
            database,
            SINGLE_ACTIVE_INDEX_NAME);
      }
      if (found.noneActive()) {
        long activated = activateMostRecentlyUpdated(handle);
        LOG.warn(
            "Settings database {} had providers but none active; made provider {} active, the most"
                + " recently updated",
            database,
            activated);
      }
      handle.execute("COMMIT");
    } catch (RuntimeException failure) {
      try {
        handle.execute("ROLLBACK");
      } catch (RuntimeException rollbackFailure) {
        failure.addSuppressed(rollbackFailure);
      }
      throw failure;
    }
  }

  /** WAL is a property of the file: set once, every later connection finds it. */
  private static void useWal(Handle handle, Path database) {
    String mode = handle.createQuery("PRAGMA journal_mode").mapTo(String.class).one();
    if (!"wal".equalsIgnoreCase(mode)) {
      mode = handle.createQuery("PRAGMA journal_mode = WAL").mapTo(String.class).one();
    }
    if (!"wal".equalsIgnoreCase(mode)) {
      throw refused(database, "cannot use WAL journaling (got " + mode + ")");
    }
  }

  /** Reads only: refuses what this library must not touch, and says what the open must fix. */
  private static Findings inspect(Handle handle, Path database) {
    int version = handle.createQuery("PRAGMA user_version").mapTo(Integer.class).one();
    if (version > VERSION) {
      throw refused(
          database, "has schema version " + version + ", newer than this library's " + VERSION);
    }
    refuseForeignObjects(handle, database);
    boolean providersTable = false;
    for (Table table : version < VERSION ? TABLES_V1 : TABLES) {
      if (tableExists(handle, table.name())) {
        checkShape(handle, database, table.name(), table.columns());
        providersTable |= table.name().equals("ai_providers");
      } else if (version > 0) {
        throw refused(database, "has schema version " + version + " but no table " + table.name());
      }
    }
    if (version < VERSION) {
      List<String> inTheWay =
          TABLES.stream()
              .map(Table::name)
              .filter(name -> TABLES_V1.stream().noneMatch(table -> table.name().equals(name)))
              .filter(name -> tableExists(handle, name))
              .toList();
      if (!inTheWay.isEmpty()) {
        throw refused(
            database,
            "has schema version " + version + " and tables " + inTheWay + " it cannot have made");
      }
    } else if (handle
            .createQuery("SELECT COUNT(*) FROM settings_revision")
            .mapTo(Integer.class)
            .one()
        != 1) {
      throw refused(database, "has lost the row of its revision counter, settings_revision");
    }
    boolean index = singleActiveIndex(handle, database);
    if (!providersTable) {
      return new Findings(version, index, false);
    }
    List<Long> active =
        handle
            .createQuery("SELECT id FROM ai_providers WHERE is_active = 1 ORDER BY id LIMIT 10")
            .mapTo(Long.class)
            .list();
    if (active.size() > 1) {
      throw refused(
          database,
          "has several active providers (ids "
              + active
              + ") and no index "
              + SINGLE_ACTIVE_INDEX_NAME
              + " to prevent it: make all but one inactive with another client first");
    }
    boolean noneActive =
        active.isEmpty()
            && handle
                .createQuery("SELECT EXISTS (SELECT 1 FROM ai_providers)")
                .mapTo(Boolean.class)
                .one();
    return new Findings(version, index, noneActive);
  }

  /**
   * Refuses a file whose objects are another application's: one of this library's names used for a
   * view, index or trigger, or objects of others and none of this library's tables.
   */
  private static void refuseForeignObjects(Handle handle, Path database) {
    List<String> misused =
        handle
            .createQuery(
                "SELECT type || ' ' || name FROM sqlite_master"
                    + " WHERE name IN ("
                    + OUR_TABLE_NAMES
                    + ") AND type <> 'table'")
            .mapTo(String.class)
            .list();
    if (!misused.isEmpty()) {
      throw refused(database, "uses this library's table names for " + misused);
    }
    boolean oursPresent =
        handle
            .createQuery(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master"
                    + " WHERE type = 'table' AND name IN ('settings', 'ai_providers'))")
            .mapTo(Boolean.class)
            .one();
    if (!oursPresent) {
      List<String> others =
          handle
              .createQuery(
                  "SELECT type || ' ' || name FROM sqlite_master"
                      + " WHERE name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 5")
              .mapTo(String.class)
              .list();
      if (!others.isEmpty()) {
        throw refused(
            database,
            "holds another application's objects ("
                + String.join(", ", others)
                + ") and none of this library's tables; give the settings a file of their own");
      }
    }
  }

  /** Refuses a table of this library's name whose columns or constraints are not this library's. */
  private static void checkShape(
      Handle handle, Path database, String table, List<Column> expected) {
    List<Column> found =
        handle
            .createQuery(
                "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid")
            .bind(0, table)
            .map(
                (rs, ctx) ->
                    new Column(
                        rs.getString("name"),
                        rs.getString("type").toUpperCase(Locale.ROOT),
                        rs.getBoolean("notnull"),
                        rs.getInt("pk") > 0))
            .list();
    if (!found.equals(expected)) {
      throw refused(
          database,
          "has a table "
              + table
              + " that is not this library's: missing "
              + describe(expected.stream().filter(c -> !found.contains(c)).toList())
              + ", unknown "
              + describe(found.stream().filter(c -> !expected.contains(c)).toList()));
    }
    if (table.equals("ai_providers")) {
      // No pragma lists CHECK constraints: the table's DDL has to be read.
      if (!compact(tableSql(handle, table)).contains("check(is_activein(0,1))")) {
        throw refused(database, "has a table ai_providers without CHECK (is_active IN (0, 1))");
      }
      if (!uniqueProviderNames(handle)) {
        throw refused(database, "has a table ai_providers whose provider_name is not UNIQUE");
      }
    }
  }

  /** Whether a unique index, not partial, covers {@code provider_name} alone. */
  private static boolean uniqueProviderNames(Handle handle) {
    return handle
        .createQuery(
            "SELECT EXISTS (SELECT 1 FROM pragma_index_list('ai_providers') AS list"
                + " WHERE list.\"unique\" = 1 AND list.partial = 0"
                + " AND (SELECT group_concat(name) FROM pragma_index_info(list.name))"
                + " = 'provider_name')")
        .mapTo(Boolean.class)
        .one();
  }

  /** Whether the single-active index is there; an index of that name that is not ours refuses. */
  private static boolean singleActiveIndex(Handle handle, Path database) {
    Optional<String> sql =
        handle
            .createQuery("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")
            .bind(0, SINGLE_ACTIVE_INDEX_NAME)
            .mapTo(String.class)
            .findOne();
    if (sql.isEmpty()) {
      return false;
    }
    if (!compact(sql.get()).equals(compact(SINGLE_ACTIVE_INDEX.replace("IF NOT EXISTS", "")))) {
      throw refused(
          database, "has an index " + SINGLE_ACTIVE_INDEX_NAME + " that is not this library's");
    }
    return true;
  }

  /**
   * As after deleting the active provider: its {@code updated_at} moves forward too, and the repair
   * is a write operation of its own revision, logged for the change feed.
   */
  private static long activateMostRecentlyUpdated(Handle handle) {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    long revision =
        handle
            .createQuery("UPDATE settings_revision SET revision = revision + 1 RETURNING revision")
            .mapTo(Long.class)
            .one();
    long id =
        handle
            .createQuery(
                "UPDATE ai_providers SET is_active = 1, updated_at = MAX(?, updated_at + 1),"
                    + " revision = ? WHERE id = (SELECT id FROM ai_providers"
                    + " ORDER BY updated_at DESC, id DESC LIMIT 1) RETURNING id")
            .bind(0, now)
            .bind(1, revision)
            .mapTo(Long.class)
            .one();
    handle.execute(
        "INSERT INTO settings_changes (revision, seq, kind, provider_id, changed_at)"
            + " VALUES (?, 0, 'ACTIVE_PROVIDER_CHANGED', ?, ?)",
        revision,
        id,
        now);
    return id;
  }

  private static boolean tableExists(Handle handle, String table) {
    return handle
        .createQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .bind(0, table)
        .mapTo(Integer.class)
        .findOne()
        .isPresent();
  }

  private static String tableSql(Handle handle, String table) {
    return handle
        .createQuery("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
        .bind(0, table)
        .mapTo(String.class)
        .one();
  }

  /** Lower case without white space: the form in which two spellings of one DDL compare equal. */
  private static String compact(String sql) {
    return sql.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
  }

  private static SettingsStorageException refused(Path database, String reason) {
    return new SettingsStorageException(
        "Settings database " + database + " " + reason + "; left unchanged", null);
  }

  private static String describe(List<Column> columns) {
    return columns.isEmpty()
        ? "nothing"
        : columns.stream().map(Column::toString).collect(Collectors.joining(", ", "(", ")"));
  }

  /** One of this library's tables and its columns, in order. */
  private record Table(String name, List<Column> columns) {}

  /** One column as {@code PRAGMA table_info} describes it. */
  private record Column(String name, String type, boolean notNull, boolean primaryKey) {
    @Override
    public String toString() {
      return name + " " + type + (notNull ? " NOT NULL" : "") + (primaryKey ? " PRIMARY KEY" : "");
    }
  }

  /**
   * What an open found that it must change.
   *
   * @param version the file's schema version
   * @param singleActiveIndex whether the single-active index exists
   * @param noneActive whether providers exist and none of them is active
   */
  private record Findings(int version, boolean singleActiveIndex, boolean noneActive) {
    boolean needsWork() {
      return version < VERSION || !singleActiveIndex || noneActive;
    }
  }
}

package dev.settingsguard.tests.support;

import dev.settingsguard.jdbi.Database;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.locking.SettingsConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * One test's database on either backend: how the library opens it, and a plain JDBC connection to
 * it for watchers and checks that must not go through the library.
 */
public final class TestDatabase {

  private final Backend backend;
  private final String jdbcUrl;
  private final Path file; // null on PostgreSQL

  private TestDatabase(Backend backend, String jdbcUrl, Path file) {
    this.backend = backend;
    this.jdbcUrl = jdbcUrl;
    this.file = file;
  }

  /**
   * @param file a SQLite database file
   * @return the test database in it
   */
  public static TestDatabase sqlite(Path file) {
    return new TestDatabase(Backend.SQLITE, "jdbc:sqlite:" + file, file);
  }

  /**
   * @param jdbcUrl a PostgreSQL database's URL
   * @return the test database there
   */
  public static TestDatabase postgres(String jdbcUrl) {
    return new TestDatabase(Backend.POSTGRES, jdbcUrl, null);
  }

  /**
   * @param argument what {@link #toArgument()} gave, e.g. in a child JVM
   * @return the test database it names
   */
  public static TestDatabase fromArgument(String argument) {
    return argument.startsWith("jdbc:postgresql:") ? postgres(argument) : sqlite(Path.of(argument));
  }

  /**
   * @return a command-line argument that names this database for {@link #fromArgument}
   */
  public String toArgument() {
    return file != null ? file.toString() : jdbcUrl;
  }

  /**
   * @return the backend
   */
  public Backend backend() {
    return backend;
  }

  /**
   * @return the JDBC URL of a plain connection, e.g. for another process
   */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /**
   * @return the SQLite file
   * @throws IllegalStateException on PostgreSQL
   */
  public Path file() {
    if (file == null) {
      throw new IllegalStateException("a PostgreSQL database has no file");
    }
    return file;
  }

  /**
   * @param chain the strategies, as this backend spells them
   * @return the configuration of that chain on this database
   */
  public SettingsConfig config(Chain chain) {
    return config(chain, Chain.TEST_LOCK_TIMEOUT);
  }

  /**
   * @param chain the strategies, as this backend spells them
   * @param lockTimeout the bound on each wait for a lock
   * @return the configuration of that chain on this database with that timeout
   */
  public SettingsConfig config(Chain chain, Duration lockTimeout) {
    return builder(chain).lockTimeout(lockTimeout).build();
  }

  /**
   * @param chain the strategies, as this backend spells them
   * @return a builder of that chain on this database with the tests' lock timeout, to set more
   */
  public SettingsConfig.Builder builder(Chain chain) {
    SettingsConfig.Builder builder =
        backend == Backend.SQLITE
            ? SettingsConfig.builder().database(file)
            : SettingsConfig.builder().postgres(jdbcUrl);
    return builder.strategies(chain.strategies(backend)).lockTimeout(Chain.TEST_LOCK_TIMEOUT);
  }

  /**
   * Opens the database alone, undecorated, for tests that configure it before decorating.
   *
   * @param lockTimeout the bound on each wait for a lock
   * @return the open database
   */
  public Database open(Duration lockTimeout) {
    return backend == Backend.SQLITE
        ? SqliteDatabase.open(file, Synchronous.NORMAL, lockTimeout)
        : PostgresDatabase.open(jdbcUrl, lockTimeout);
  }

  /**
   * @return a new plain JDBC connection, in auto-commit mode
   * @throws SQLException if it cannot be opened
   */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl);
  }

  /**
   * Runs statements on a plain connection, as a foreign client would.
   *
   * @param statements the SQL, run in order in auto-commit mode
   * @throws SQLException if one fails
   */
  public void execute(String... statements) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  @Override
  public String toString() {
    return backend + " " + (file != null ? file : jdbcUrl);
  }
}

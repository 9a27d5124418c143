package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.locking.SettingsConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import org.sqlite.SQLiteConfig;

/**
 * One database a measurement runs on, as every process of it reaches it.
 *
 * @param backend SQLite or PostgreSQL
 * @param location the file's path, or the JDBC URL (which may hold a password)
 */
public record StressDatabase(Backend backend, String location) {

  public StressDatabase {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(location, "location");
  }

  /**
   * @param file a SQLite database file
   * @return the database in that file
   */
  public static StressDatabase sqlite(Path file) {
    return new StressDatabase(Backend.SQLITE, file.toString());
  }

  /**
   * @param jdbcUrl a PostgreSQL JDBC URL
   * @return the database that URL reaches
   */
  public static StressDatabase postgres(String jdbcUrl) {
    return new StressDatabase(Backend.POSTGRES, jdbcUrl);
  }

  /** Bounds on a plain PostgreSQL connection's waits for the server, far above any lock wait. */
  private static final String CONNECT_TIMEOUT_SECONDS = "10";

  private static final String SOCKET_TIMEOUT_SECONDS = "120";

  /**
   * Opens a plain JDBC connection, in auto-commit mode, as a client outside the library would.
   *
   * @return the connection; a SQLite one waits up to 5 s for a lock, a PostgreSQL one up to 120 s
   *     for any answer of the server
   * @throws SQLException if it cannot be opened
   */
  public Connection connect() throws SQLException {
    if (backend == Backend.POSTGRES) {
      Properties bounds = new Properties();
      bounds.setProperty("connectTimeout", CONNECT_TIMEOUT_SECONDS);
      bounds.setProperty("socketTimeout", SOCKET_TIMEOUT_SECONDS);
      return DriverManager.getConnection(location, bounds);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(5_000);
    return config.createConnection("jdbc:sqlite:" + location);
  }

  /**
   * @param builder a configuration being built
   * @param synchronous the commit durability, for SQLite
   * @return the builder, pointed at this database
   */
  public SettingsConfig.Builder configure(SettingsConfig.Builder builder, Synchronous synchronous) {
    return backend == Backend.POSTGRES
        ? builder.postgres(location)
        : builder.database(Path.of(location)).synchronous(synchronous);
  }

  /** The path, or the URL without its password. */
  @Override
  public String toString() {
    return backend == Backend.POSTGRES ? PostgresDatabase.redact(location) : location;
  }
}

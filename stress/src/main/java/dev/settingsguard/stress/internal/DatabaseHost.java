package dev.settingsguard.stress.internal;

import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.testkit.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a run's databases live, each new and empty: files in a temporary directory, or schemas of
 * one PostgreSQL database, on a server named by URL or on a throwaway local server started for the
 * run. Closing it deletes them, and stops a throwaway server.
 */
public abstract class DatabaseHost implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DatabaseHost.class);

  private DatabaseHost() {}

  /**
   * @return a host of SQLite files in a new temporary directory
   */
  public static DatabaseHost sqlite() {
    return new Sqlite(TempFiles.createDirectory("settings-stress-"));
  }

  /**
   * @param url the JDBC URL of a database in which the run may create schemas, or {@code null} to
   *     start a throwaway server that flushes commits to disk as a production server does
   * @return a host of schemas in that database
   * @throws IllegalStateException if no URL is given and no PostgreSQL binaries are found
   */
  public static DatabaseHost postgres(String url) {
    PostgresServer server = url == null ? PostgresServer.startLocalDurable() : null;
    try {
      Postgres host = new Postgres(url == null ? server.newDatabase() : url, server);
      // Ctrl-C ends the run through the JVM's shutdown hooks: neither the throwaway server nor the
      // schemas on a named one may outlive it. Closing twice does nothing more.
      Runtime.getRuntime().addShutdownHook(new Thread(host::close, "settings-stress-cleanup"));
      return host;
    } catch (RuntimeException failure) {
      if (server != null) {
        server.close();
      }
      throw failure;
    }
  }

  /**
   * @return SQLite or PostgreSQL
   */
  public abstract Backend backend();

  /**
   * @param name a short name, unique within the run, e.g. {@code cell-12}
   * @return a new, empty database
   */
  public abstract StressDatabase create(String name);

  /**
   * @return the host in one line for reports, e.g. the server's version and durability settings
   */
  public abstract String describe();

  /** Deletes the run's databases; stops a throwaway server. */
  @Override
  public abstract void close();

  private static final class Sqlite extends DatabaseHost {
    private final Path directory;

    Sqlite(Path directory) {
      this.directory = directory;
    }

    @Override
    public Backend backend() {
      return Backend.SQLITE;
    }

    @Override
    public StressDatabase create(String name) {
      return StressDatabase.sqlite(directory.resolve(name + ".db"));
    }

    @Override
    public String describe() {
      return "SQLite files in " + directory;
    }

    @Override
    public void close() {
      TempFiles.deleteTree(directory);
    }
  }

  /** One schema per database: creating a schema needs less privilege than creating a database. */
  private static final class Postgres extends DatabaseHost {
    private final String url;
    private final PostgresServer server; // null for a server named by URL
    private final String prefix = "settings_stress_" + ProcessHandle.current().pid() + "_";
    private final List<String> schemas = new CopyOnWriteArrayList<>();
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    Postgres(String url, PostgresServer server) {
      this.url = url;
      this.server = server;
      this.description = describe(url, server != null);
    }

    @Override
    public Backend backend() {
      return Backend.POSTGRES;
    }

    @Override
    public StressDatabase create(String name) {
      String schema = prefix + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
      execute("CREATE SCHEMA " + schema);
      schemas.add(schema);
      return StressDatabase.postgres(
          url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
    }

    @Override
    public String describe() {
      return description;
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      if (server != null) {
        server.close();
        return;
      }
      for (String schema : schemas) {
        try {
          execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (RuntimeException failure) {
          LOG.warn("Could not drop schema {}: {}", schema, failure.getMessage());
        }
      }
    }

    private void execute(String sql) {
      try (Connection connection = StressDatabase.postgres(url).connect();
          Statement statement = connection.createStatement()) {
        statement.execute(sql);
      } catch (SQLException failure) {
        // A driver's message can quote the URL, password and all.
        throw new IllegalStateException(
            PostgresDatabase.redact(
                "Cannot run '" + sql + "' on " + url + ": " + failure.getMessage()));
      }
    }

    private static String describe(String url, boolean throwaway) {
      try (Connection connection = StressDatabase.postgres(url).connect();
          Statement statement = connection.createStatement();
          ResultSet row =
              statement.executeQuery(
                  "SELECT current_setting('server_version'), current_setting('fsync'),"
                      + " current_setting('synchronous_commit')")) {
        row.next();
        return String.format(
            Locale.ROOT,
            "PostgreSQL %s, %s, fsync=%s, synchronous_commit=%s",
            row.getString(1),
            throwaway ? "a throwaway local server" : PostgresDatabase.redact(url),
            row.getString(2),
            row.getString(3));
      } catch (SQLException failure) {
        throw new IllegalStateException(
            PostgresDatabase.redact(
                "Cannot reach PostgreSQL at " + url + ": " + failure.getMessage()));
      }
    }
  }
}

package dev.settingsguard.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The PostgreSQL server that tests and the stress harness run against: the one {@code
 * SETTINGS_GUARD_POSTGRES_URL} names, or else a throwaway server started from this machine's
 * PostgreSQL binaries on a free port of 127.0.0.1 in a temporary directory, with trust
 * authentication, and stopped when it is closed or the JVM exits. Without either, {@link #shared()}
 * fails saying how to provide one: a PostgreSQL test never skips.
 *
 * <p>Each test takes a database of its own with {@link #newDatabase()}.
 */
public final class PostgresServer implements AutoCloseable {

  /** Names an existing server: {@code jdbc:postgresql://host:port/database?user=…&password=…}. */
  public static final String URL_VARIABLE = "SETTINGS_GUARD_POSTGRES_URL";

  /** Where Debian's packages put each version's binaries. */
  private static final Path DEBIAN_BINARIES = Path.of("/usr/lib/postgresql");

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private static PostgresServer shared;

  private final String adminUrl;
  private final Local local; // null for a server named by URL_VARIABLE

  private PostgresServer(String adminUrl, Local local) {
    this.adminUrl = adminUrl;
    this.local = local;
  }

  /**
   * @return the server of this JVM, started on first use and stopped when the JVM exits
   * @throws IllegalStateException if no server is named and no binaries are found
   */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      PostgresServer server = start();
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postgres-server-stop"));
      shared = server;
    }
    return shared;
  }

  /**
   * @return a server for the caller, which must close it: the named one, or a throwaway one
   * @throws IllegalStateException if no server is named and no binaries are found
   */
  public static PostgresServer start() {
    String named = System.getenv(URL_VARIABLE);
    if (named != null && !named.isBlank()) {
      return new PostgresServer(named, null);
    }
    return startLocal();
  }

  /**
   * @return a throwaway server of the caller's own from this machine's binaries, whatever {@link
   *     #URL_VARIABLE} says: for tests that stop, restart or kill it
   * @throws IllegalStateException if no binaries are found
   */
  public static PostgresServer startLocal() {
    return startLocal(false);
  }

  /**
   * @return a throwaway server like {@link #startLocal()}, but one that flushes every commit to
   *     disk as a production server does ({@code fsync=on}, PostgreSQL's default): for
   *     measurements, in which a commit costs what it costs
   * @throws IllegalStateException if no binaries are found
   */
  public static PostgresServer startLocalDurable() {
    return startLocal(true);
  }

  private static PostgresServer startLocal(boolean durable) {
    Path binaries =
        findBinaries()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "No PostgreSQL for the tests: set "
                            + URL_VARIABLE
                            + " to a server's JDBC URL (a user that may create databases), or"
                            + " install PostgreSQL's server binaries (Debian: apt-get install"
                            + " postgresql) so that the tests start a throwaway server"));
    Local local = Local.create(binaries, durable);
    return new PostgresServer(local.url("postgres"), local);
  }

  /**
   * Creates an empty database.
   *
   * @return its JDBC URL, with the user (and password) to reach it
   */
  public String newDatabase() {
    String name =
        "settings_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection admin = DriverManager.getConnection(adminUrl);
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException failure) {
      throw new IllegalStateException("Cannot create database " + name, failure);
    }
    return withDatabase(adminUrl, name);
  }

  /**
   * @return whether this server was started here, so that it can be stopped and restarted
   */
  public boolean isLocal() {
    return local != null;
  }

  /**
   * Restarts the server, ending every session.
   *
   * @param mode {@code fast} (sessions are ended, then a clean shutdown) or {@code immediate}
   *     (every process quits at once; the next start recovers from the WAL)
   */
  public void restart(String mode) {
    requireLocal().pgCtl("restart", "-m", mode);
  }

  /** Stops the server, ending every session, until {@link #startAgain()}. */
  public void stop() {
    requireLocal().pgCtl("stop", "-m", "fast");
  }

  /** Starts a stopped server again on the same port. */
  public void startAgain() {
    requireLocal().pgCtl("start");
  }

  /**
   * Freezes every process of the server with {@code SIGSTOP}: connections stay open and nothing
   * answers, as with a server that hangs or a network that drops packets.
   */
  public void freeze() {
    requireLocal().signalAll("STOP");
  }

  /** Lets a frozen server run again with {@code SIGCONT}. */
  public void thaw() {
    requireLocal().signalAll("CONT");
  }

  /** Stops a server started here and deletes its directory; a named server is left alone. */
  @Override
  public void close() {
    if (local != null) {
      local.thawQuietly();
      local.destroy();
    }
  }

  @Override
  public String toString() {
    return local == null ? "PostgresServer[" + URL_VARIABLE + "]" : "PostgresServer[" + local + "]";
  }

  private Local requireLocal() {
    if (local == null) {
      throw new IllegalStateException(
          "The server named by " + URL_VARIABLE + " is not this test run's to stop or restart");
    }
    return local;
  }

  /** The URL with its database replaced; the query (user, password) is kept. */
  private static String withDatabase(String url, String database) {
    int query = url.indexOf('?');
    String base = query < 0 ? url : url.substring(0, query);
    String rest = query < 0 ? "" : url.substring(query);
    int slash = base.indexOf('/', "jdbc:postgresql://".length());
    String hostPort = slash < 0 ? base : base.substring(0, slash);
    return hostPort + "/" + database + rest;
  }

  /** The newest version's binaries among Debian's {@code /usr/lib/postgresql/<version>/bin}. */
  private static Optional<Path> findBinaries() {
    if (!Files.isDirectory(DEBIAN_BINARIES)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(DEBIAN_BINARIES)) {
      return versions
          .filter(version -> version.getFileName().toString().matches("\\d+"))
          .filter(version -> Files.isExecutable(version.resolve("bin/pg_ctl")))
          .max(
              Comparator.comparingInt(
                  version -> Integer.parseInt(version.getFileName().toString())))
          .map(version -> version.resolve("bin"));
    } catch (IOException failure) {
      return Optional.empty();
    }
  }

  /** A server in a temporary directory, run as the {@code postgres} user when this JVM is root. */
  private static final class Local {
    final Path binaries;
    final Path directory;
    final int port;
    final boolean asPostgresUser;
    final boolean durable;

    private Local(
        Path binaries, Path directory, int port, boolean asPostgresUser, boolean durable) {
      this.binaries = binaries;
      this.directory = directory;
      this.port = port;
      this.asPostgresUser = asPostgresUser;
      this.durable = durable;
    }

    static Local create(Path binaries, boolean durable) {
      boolean root = "root".equals(System.getProperty("user.name"));
      try {
        Path directory =
            Files.createTempDirectory(
                "settings-guard-postgres",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Local local = new Local(binaries, directory, freePort(), root, durable);
        if (root) {
          // initdb refuses root; the server's directory must belong to the user that runs it.
          local.run(List.of("chown", "postgres:postgres", directory.toString()), false);
        }
        local.run(
            List.of(
                binaries.resolve("initdb").toString(),
                "-D",
                local.data().toString(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync"),
            true);
        local.pgCtl("start");
        return local;
      } catch (IOException failure) {
        throw new IllegalStateException("Cannot start a throwaway PostgreSQL", failure);
      }
    }

    Path data() {
      return directory.resolve("data");
    }

    String url(String database) {
      return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    void pgCtl(String action, String... options) {
      List<String> command = new ArrayList<>();
      command.add(binaries.resolve("pg_ctl").toString());
      command.add(action);
      command.addAll(List.of(options));
      command.addAll(
          List.of(
              "-D",
              data().toString(),
              "-w",
              "-t",
              "60",
              "-l",
              directory.resolve("server.log").toString()));
      if (!action.equals("stop")) {
        command.add("-o");
        command.add(
            "-p "
                + port
                + " -k "
                + directory
                + " -c listen_addresses=127.0.0.1 -c max_connections=300"
                + (durable ? "" : " -c fsync=off"));
      }
      run(command, true);
    }

    /** Signals the postmaster and every process it started. */
    void signalAll(String signal) {
      try {
        long postmaster =
            Long.parseLong(Files.readAllLines(data().resolve("postmaster.pid")).get(0).trim());
        List<String> command =
            new ArrayList<>(List.of("kill", "-" + signal, String.valueOf(postmaster)));
        ProcessHandle.of(postmaster)
            .ifPresent(p -> p.descendants().forEach(d -> command.add(String.valueOf(d.pid()))));
        run(command, false);
      } catch (IOException failure) {
        throw new IllegalStateException("Cannot signal the server", failure);
      }
    }

    void thawQuietly() {
      try {
        signalAll("CONT");
      } catch (RuntimeException notRunning) {
        // A stopped server has nothing to thaw.
      }
    }

    void destroy() {
      try {
        if (Files.exists(data().resolve("postmaster.pid"))) {
          pgCtl("stop", "-m", "immediate");
        }
      } catch (RuntimeException alreadyStopped) {
        // Deleting the directory is all that is left to do.
      }
      deleteTree(directory);
    }

    private void run(List<String> command, boolean asServerUser) {
      List<String> full = new ArrayList<>();
      if (asServerUser && asPostgresUser) {
        full.addAll(List.of("runuser", "-u", "postgres", "--"));
      }
      full.addAll(command);
      try {
        Process process =
            new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("commands.log").toFile())
                .start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("Timed out: " + String.join(" ", full));
        }
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              "Failed ("
                  + process.exitValue()
                  + "): "
                  + String.join(" ", full)
                  + "\n"
                  + Files.readString(directory.resolve("commands.log")));
        }
      } catch (IOException failure) {
        throw new IllegalStateException("Cannot run " + String.join(" ", full), failure);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted: " + String.join(" ", full), interrupted);
      }
    }

    private static int freePort() throws IOException {
      try (ServerSocket socket = new ServerSocket(0)) {
        return socket.getLocalPort();
      }
    }

    private static void deleteTree(Path root) {
      if (!Files.exists(root)) {
        return;
      }
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      } catch (IOException ignored) {
        // A temporary directory: the system cleans up what is left.
      }
    }

    @Override
    public String toString() {
      return "127.0.0.1:" + port + " in " + directory;
    }
  }
}

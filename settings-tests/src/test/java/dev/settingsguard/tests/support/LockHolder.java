package dev.settingsguard.tests.support;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * A child JVM that holds a lock on a database for a while, as another application would: either
 * SQLite's write lock ({@code BEGIN IMMEDIATE} on a plain JDBC connection) or the OS lock on the
 * {@code <database>.lock} file that {@code FILE_LOCK} uses. Prints {@code LOCKED} once it holds the
 * lock and {@code RELEASED} when it lets go.
 *
 * <p>Arguments: {@code sqlite} or {@code file}, the database file, how long to hold in ms.
 */
public final class LockHolder {

  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    String what = args[0];
    Path database = Path.of(args[1]);
    long holdMillis = Long.parseLong(args[2]);
    if (what.equals("sqlite")) {
      try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
          Statement statement = connection.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
        hold(holdMillis);
        statement.execute("ROLLBACK");
      }
    } else if (what.equals("file")) {
      Path lockFile = database.resolveSibling(database.getFileName() + ".lock");
      try (FileChannel channel =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        hold(holdMillis);
      }
    } else {
      throw new IllegalArgumentException("sqlite or file, not " + what);
    }
    System.out.println("RELEASED");
    System.out.flush();
  }

  private static void hold(long millis) throws InterruptedException {
    System.out.println("LOCKED");
    System.out.flush();
    Thread.sleep(millis);
  }
}

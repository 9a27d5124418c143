package dev.settingsguard.jdbi.sqlite.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the WAL short when writers of several processes take turns on SQLite's write lock.
 *
 * <p>SQLite writes the WAL from its start again only when a writer begins after a checkpoint has
 * copied every frame into the database. Its automatic checkpoint runs after a commit, once the
 * write lock is released: in one process the JVM lock keeps the next writer out until it is done,
 * but a writer of another process appends in the meantime, so the WAL is rarely wholly copied and
 * grows for as long as the processes keep writing. Every commit then runs a checkpoint with its
 * {@code fsync}, and every page read searches a longer WAL index (how long and how much slower:
 * docs/design.md, "A short WAL").
 *
 * <p>So every {@value #CHECK_EVERY}th {@code BEGIN IMMEDIATE} of a database looks at the length of
 * the WAL file. When it is longer than {@link #WAL_LIMIT_BYTES}, the transaction first takes the
 * write lock alone, checkpoints on a second connection while no process can append, and rolls back:
 * the transaction then begun, or another process's if it comes first, starts on a wholly copied WAL
 * and writes it from the start again. Connections are opened with that length as their {@code
 * journal_size_limit}, so that the file is cut back to it after such a restart and its length tells
 * whether the WAL is longer, and with a {@code wal_autocheckpoint} ({@link #AUTOCHECKPOINT_PAGES})
 * that the restart comes before. The checkpoint is {@code PASSIVE}: it never waits for readers, so
 * a long reader only postpones the restart to a later check.
 */
public final class WalRestarts {

  private static final Logger LOG = LoggerFactory.getLogger(WalRestarts.class);

  /**
   * The {@code journal_size_limit} of every connection, which is what a restarted WAL file is cut
   * back to, and the length past which a restart is due. It is half of what {@link
   * #AUTOCHECKPOINT_PAGES} lets the WAL reach, so that with several processes the restart comes
   * first, and checkpoints run while a writer holds the lock rather than after each commit. Cutting
   * the file back no further lets writers overwrite it, which is cheaper than growing it.
   */
  public static final int WAL_LIMIT_BYTES = 4 << 20;

  /**
   * The {@code wal_autocheckpoint} of every connection, in pages: twice SQLite's default of 1000,
   * so that the restart past {@link #WAL_LIMIT_BYTES} comes first and checkpoints, each with its
   * {@code fsync}, run about as often as with SQLite's default and a WAL that never grows.
   */
  public static final int AUTOCHECKPOINT_PAGES = 2000;

  /** Transactions between two looks at the WAL's length: a look is a {@code stat} call. */
  static final int CHECK_EVERY = 32;

  private final Path wal;
  private final ConnectionPool pool;
  private final AtomicLong immediateTransactions = new AtomicLong();

  /**
   * @param database the database file
   * @param pool where the second connection comes from
   */
  public WalRestarts(Path database, ConnectionPool pool) {
    this.wal = database.resolveSibling(database.getFileName() + "-wal");
    this.pool = pool;
  }

  /**
   * Called on a connection with no transaction open, before it begins an immediate one. When a
   * restart is due, waits for the write lock as {@code BEGIN IMMEDIATE} would, and fails as it
   * would; the transaction's own {@code BEGIN IMMEDIATE} follows at once and usually finds the lock
   * free.
   *
   * @param transactionControl runs {@code BEGIN IMMEDIATE} and {@code ROLLBACK} on the connection
   *     about to begin the transaction, as the database runs its transactions' own statements
   */
  public void beforeImmediateTransaction(Consumer<String> transactionControl) {
    if (immediateTransactions.incrementAndGet() % CHECK_EVERY != 0
        || walBytes() <= WAL_LIMIT_BYTES) {
      return;
    }
    transactionControl.accept("BEGIN IMMEDIATE");
    try {
      checkpointOnAnotherConnection();
    } finally {
      transactionControl.accept("ROLLBACK");
    }
  }

  private long walBytes() {
    try {
      return Files.size(wal);
    } catch (NoSuchFileException absent) {
      return 0;
    } catch (IOException unreadable) {
      LOG.debug("Cannot read the length of {}: {}", wal, unreadable.toString());
      return 0;
    }
  }

  /** Best effort: a failed checkpoint leaves the WAL as long as it was, and the write goes on. */
  private void checkpointOnAnotherConnection() {
    Connection connection = null;
    try {
      connection = pool.openConnection();
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
      }
    } catch (SQLException failure) {
      LOG.debug("Checkpoint of {} failed: {}", wal, failure.getMessage());
    } finally {
      if (connection != null) {
        try {
          pool.closeConnection(connection);
        } catch (SQLException ignored) {
          // closeConnection fails only for a closed pool, which has closed the connection.
        }
      }
    }
  }
}

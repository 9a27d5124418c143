package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.TestStores;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code FILE_LOCK}'s {@code <database>.lock} is only ever a regular file of the current user: any
 * other kind of file there is refused with a typed error at once, without blocking and without
 * holding up other stores of the JVM, and the database file is never reached through it.
 */
// A separate thread: a test stuck in a kernel call or on a monitor still fails in time.
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockFileTest {

  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);

  /** What a refusal may take beyond the lock timeout: opening the database, mostly. */
  private static final Duration MARGIN = Duration.ofSeconds(2);

  @TempDir Path dir;

  /** Opens run on daemon threads: an open stuck in the kernel must not keep the JVM alive. */
  private final ExecutorService opener =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "lock-file-opener");
            thread.setDaemon(true);
            return thread;
          });

  @AfterEach
  void stopOpeners() {
    opener.shutdownNow();
  }

  /** The kinds of file a hostile or careless user can leave at the lock file's path. */
  enum NotARegularFile {
    FIFO,
    SOCKET,
    DIRECTORY,
    SYMLINK_TO_THE_DATABASE,
    SYMLINK_TO_ANOTHER_FILE
  }

  @ParameterizedTest
  @EnumSource(NotARegularFile.class)
  void refusesALockFileThatIsNotARegularFileWithinTheLockTimeout(
      NotARegularFile kind, @TempDir Path otherDir) throws Exception {
    Path db = dir.resolve("s.db");
    TestStores.open(Chain.DEFAULT, db).close();
    Path lockFile = dir.resolve("s.db.lock");
    try (AutoCloseable planted = plant(kind, lockFile, db)) {
      byte[] databaseBefore = Files.readAllBytes(db);

      Future<Throwable> hostileOpen = opener.submit(() -> openFileLockStore(db));
      // Meanwhile another FILE_LOCK store of this JVM opens and closes on another file.
      Future<Throwable> otherOpen =
          opener.submit(() -> openFileLockStore(otherDir.resolve("other.db")));

      Throwable refused =
          hostileOpen.get(LOCK_TIMEOUT.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);
      assertThat(refused)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining(lockFile.toString());
      assertThat(otherOpen.get(LOCK_TIMEOUT.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS))
          .as("another store of the JVM opens meanwhile")
          .isNull();
      assertThat(Files.readAllBytes(db)).as("the database is untouched").isEqualTo(databaseBefore);
      assertThat(Files.isSymbolicLink(lockFile) || !Files.isRegularFile(lockFile))
          .as("the planted file is left where it was")
          .isTrue();
    }
  }

  @Test
  void tightensALockFileThatOthersCouldOpen() throws Exception {
    Path db = dir.resolve("s.db");
    Path lockFile = dir.resolve("s.db.lock");
    Files.createFile(lockFile);
    Files.setPosixFilePermissions(lockFile, PosixFilePermissions.fromString("rw-r--r--"));

    try (SettingsStore store = TestStores.open(Chain.FILE_LOCK, db)) {
      store.setSetting("k", "v");
    }

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lockFile)))
        .isEqualTo("rw-------");
  }

  @Test
  void refusesALockFileOwnedByAnotherUser() throws Exception {
    UserPrincipal nobody =
        dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Path db = dir.resolve("s.db");
    Path lockFile = dir.resolve("s.db.lock");
    Files.createFile(lockFile);
    // Only root can give a file away. CI runs as root; this test never skips, so elsewhere it fails
    // here, saying so, rather than prove nothing.
    try {
      Files.setOwner(lockFile, nobody);
    } catch (FileSystemException notRoot) {
      throw new AssertionError(
          "this test must run as root to give a file to another user", notRoot);
    }

    assertThatThrownBy(() -> TestStores.open(Chain.FILE_LOCK, db))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining(lockFile.toString())
        .hasMessageContaining("owned by");
  }

  @Test
  void closingTheStoreWhileAnotherThreadWritesLogsNoStackTrace() throws Exception {
    Path db = dir.resolve("s.db");
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    SqlLogger holdFirstStep =
        new SqlLogger() {
          @Override
          public void logAfterExecution(StatementContext context) {
            if (writing.getCount() > 0) {
              writing.countDown();
              await(closed);
            }
          }
        };
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      SettingsStore store = TestStores.openWithSqlLogger(Chain.FILE_LOCK.config(db), holdFirstStep);
      CompletableFuture<Void> write =
          CompletableFuture.runAsync(() -> store.setSetting("k", "v"), opener);
      assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
      store.close(); // closes the lock file's channel while the write holds its lock
      closed.countDown();
      write.handle((ignored, failure) -> null).get(10, TimeUnit.SECONDS);
    } finally {
      System.setErr(stderr);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("Exception").doesNotContain("\tat ");
  }

  private static Throwable openFileLockStore(Path db) {
    SettingsConfig config = Chain.FILE_LOCK.config(db, LOCK_TIMEOUT);
    try (SettingsStore store = SettingsStores.open(config)) {
      store.setSetting("k", "v");
      return null;
    } catch (RuntimeException failure) {
      return failure;
    }
  }

  private static AutoCloseable plant(NotARegularFile kind, Path lockFile, Path db)
      throws Exception {
    switch (kind) {
      case FIFO -> {
        Process mkfifo = new ProcessBuilder("mkfifo", lockFile.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        return () -> {};
      }
      case SOCKET -> {
        ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        socket.bind(UnixDomainSocketAddress.of(lockFile));
        return socket;
      }
      case DIRECTORY -> {
        Files.createDirectory(lockFile);
        return () -> {};
      }
      case SYMLINK_TO_THE_DATABASE -> {
        Files.createSymbolicLink(lockFile, db);
        return () -> {};
      }
      case SYMLINK_TO_ANOTHER_FILE -> {
        Path elsewhere = Files.createFile(lockFile.resolveSibling("elsewhere"));
        Files.createSymbolicLink(lockFile, elsewhere);
        return () -> assertThat(Files.size(elsewhere)).isZero();
      }
      default -> throw new AssertionError(kind);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

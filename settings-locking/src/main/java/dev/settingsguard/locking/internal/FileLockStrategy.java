package dev.settingsguard.locking.internal;

import com.sun.security.auth.module.UnixSystem;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.internal.Backoff;
import dev.settingsguard.core.internal.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code FILE_LOCK}: an exclusive OS lock on a separate {@code <database>.lock} file, held for the
 * whole operation (or the whole batch of this JVM's queued operations), so writers in every process
 * on this host take turns.
 *
 * <p>The lock is on its own file because closing any descriptor of a file drops every POSIX lock
 * the process holds on it, including SQLite's own locks on the database. An OS file lock belongs to
 * the whole JVM, so an in-JVM {@link CombiningLock} is taken first: threads of this JVM queue on
 * it, and only the thread running their writes competes with other processes for the file. Both are
 * shared by every store on the same lock file in this JVM, as is the one open channel to the file.
 *
 * <p>The lock file is only ever a regular file of the current user with a single name, and never
 * the database itself: anything else at its path (a FIFO, socket, directory, symbolic or hard link,
 * another user's file) is refused before it is opened, and it is opened without following links and
 * for reading and writing, which does not block even on a FIFO put there meanwhile. A lock file
 * that other users could open, and so lock for ever, is made owner-only.
 *
 * <p>The OS lock is polled with {@link Backoff} pauses rather than waited on: a thread blocked in
 * {@link FileChannel#lock()} cannot be timed out, and interrupting it closes the channel.
 */
public final class FileLockStrategy implements WriteGuard {

  private static final Logger LOG = LoggerFactory.getLogger(FileLockStrategy.class);

  /** One entry per lock file open in this JVM; its channel closes with the last store using it. */
  private static final SharedByStores<Path, SharedLockFile> OPEN =
      new SharedByStores<>(SharedLockFile::close);

  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final SharedByStores<Path, SharedLockFile>.Lease lease;
  private final SharedLockFile shared;
  private final Duration timeout;
  private final WriteGuard batchScope;

  private FileLockStrategy(
      SharedByStores<Path, SharedLockFile>.Lease lease, WriteGuard guardsBelow, Duration timeout) {
    this.lease = lease;
    this.shared = lease.value();
    this.timeout = timeout;
    this.batchScope = new BatchScope(guardsBelow);
  }

  /**
   * Opens (creating it owner-only if absent) the lock file beside a database.
   *
   * @param canonicalDatabase the database file's canonical path
   * @param guardsBelow what the chain inside this guard does around each write; entered once, under
   *     one file lock, for a batch of queued writes of this store, which then each re-enter it
   * @param timeout the bound on each wait for the lock
   * @return the guard
   * @throws SettingsStorageException naming the lock file if it cannot be created or opened, or is
   *     not a regular file of the current user with one name
   */
  public static FileLockStrategy forDatabase(
      Path canonicalDatabase, WriteGuard guardsBelow, Duration timeout) {
    Objects.requireNonNull(guardsBelow, "guardsBelow");
    Objects.requireNonNull(timeout, "timeout");
    Path lockFile = canonicalDatabase.resolveSibling(canonicalDatabase.getFileName() + ".lock");
    return new FileLockStrategy(
        OPEN.lease(lockFile, path -> SharedLockFile.open(path, canonicalDatabase)),
        guardsBelow,
        timeout);
  }

  @Override
  public <R> R around(Supplier<R> operation) {
    // Re-entered from an operation already holding the file lock: it is ours already.
    if (shared.writers.isHeldByCurrentThread()) {
      return operation.get();
    }
    return shared.writers.run(() -> withFileLock(operation), batchScope, timeout);
  }

  /** Called only by the thread running writes under {@code shared.writers}. */
  private <R> R withFileLock(Supplier<R> operation) {
    if (shared.held != null) {
      return operation.get(); // one write of a batch that holds it already
    }
    shared.held = acquireFileLock();
    try {
      return operation.get();
    } finally {
      release(shared.held);
      shared.held = null;
    }
  }

  private FileLock acquireFileLock() {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String resource = "file lock on " + shared.path;
    for (int attempt = 0; ; attempt++) {
      FileLock fileLock;
      try {
        fileLock = shared.channel.tryLock();
      } catch (IOException failure) {
        throw new SettingsStorageException("Cannot lock " + shared.path + ": " + failure, failure);
      }
      if (fileLock != null) {
        return fileLock;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new SettingsBusyException(resource, timeout);
      }
      LockSupport.parkNanos(Backoff.pauseNanos(attempt));
      if (Thread.currentThread().isInterrupted()) {
        throw SettingsBusyException.interrupted(
            resource,
            Duration.ofNanos(System.nanoTime() - start),
            new InterruptedException("file lock wait interrupted"));
      }
    }
  }

  /**
   * The operation has completed by now, so a failed release is logged rather than thrown: the
   * caller's result stands, and closing the channel releases the lock in any case. A channel closed
   * by its store's {@code close()} while this write ran has released the lock already.
   */
  private void release(FileLock fileLock) {
    try {
      fileLock.release();
    } catch (ClosedChannelException closedWithItsStore) {
      LOG.debug("The lock file {} was closed with its store during a write", shared.path);
    } catch (IOException failure) {
      LOG.warn("Cannot release the file lock on {}", shared.path, failure);
    }
  }

  /** Closes the lock file's channel when the last store using it in this JVM closes. */
  @Override
  public void close() {
    lease.close();
  }

  @Override
  public String toString() {
    return "FileLock";
  }

  /** A batch of this store's writes: one file lock around the guards below, entered once. */
  private final class BatchScope implements WriteGuard {
    private final WriteGuard guardsBelow;

    BatchScope(WriteGuard guardsBelow) {
      this.guardsBelow = guardsBelow;
    }

    @Override
    public <R> R around(Supplier<R> batch) {
      return withFileLock(() -> guardsBelow.around(batch));
    }
  }

  /**
   * The in-JVM lock and the open channel for one lock file; {@code held} is guarded by {@code
   * writers}.
   */
  private static final class SharedLockFile {
    final Path path;
    final FileChannel channel;
    final CombiningLock writers;
    FileLock held;

    private SharedLockFile(Path path, FileChannel channel) {
      this.path = path;
      this.channel = channel;
      this.writers = new CombiningLock("in-JVM lock on " + path);
    }

    /**
     * Checks the file before opening it and again after: it must be the same regular file both
     * times, so a file swapped in between is refused too. None of these steps blocks.
     */
    static SharedLockFile open(Path path, Path database) {
      try {
        OwnerOnlyFiles.createIfAbsent(path); // fails, not follows, where a link is in the way
        PosixFileAttributes before = checkedAttributes(path, database);
        Object beforeChange = changeTime(path);
        FileChannel channel =
            FileChannel.open(
                path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
          PosixFileAttributes after = checkedAttributes(path, database);
          // A rename changes the inode's ctime: a file moved away and back meanwhile shows it.
          if (!Objects.equals(before.fileKey(), after.fileKey())
              || !Objects.equals(changeTime(path), beforeChange)) {
            throw refused(path, "it was replaced while it was being opened");
          }
          if (!after.permissions().equals(OWNER_ONLY)) {
            // Another user who can open it can lock it and keep every writer out for good.
            Files.setPosixFilePermissions(path, OWNER_ONLY);
            LOG.info(
                "Made the lock file {} readable and writable by its owner only (it was {})",
                path,
                PosixFilePermissions.toString(after.permissions()));
          }
          return new SharedLockFile(path, channel);
        } catch (IOException | RuntimeException failure) {
          channel.close();
          throw failure;
        }
      } catch (IOException failure) {
        throw new SettingsStorageException(
            "Cannot open lock file " + path + ": " + failure, failure);
      }
    }

    private static PosixFileAttributes checkedAttributes(Path path, Path database)
        throws IOException {
      PosixFileAttributes attributes =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attributes.isSymbolicLink()) {
        throw refused(path, "it is a symbolic link");
      }
      if (!attributes.isRegularFile()) {
        throw refused(
            path,
            attributes.isDirectory() ? "it is a directory" : "it is a FIFO, socket or device");
      }
      if (Objects.equals(attributes.fileKey(), fileKeyOf(database))) {
        throw refused(path, "it is the database file itself");
      }
      int links = (Integer) Files.getAttribute(path, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
      if (links > 1) {
        throw refused(path, "it has " + links + " hard links");
      }
      int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      int currentUser = effectiveUserId();
      if (owner != currentUser) {
        throw refused(
            path, "it is owned by user id " + owner + ", not by this process's " + currentUser);
      }
      return attributes;
    }

    private static Object changeTime(Path path) throws IOException {
      return Files.getAttribute(path, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The effective user id: the owner of {@code /proc/self} on Linux, where it is right even for a
     * user without a passwd entry (for whom {@code UnixSystem} reports 0); {@code UnixSystem}
     * elsewhere.
     */
    private static int effectiveUserId() {
      try {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      } catch (IOException | UnsupportedOperationException noProc) {
        return (int) new UnixSystem().getUid();
      }
    }

    private static Object fileKeyOf(Path file) throws IOException {
      return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static SettingsStorageException refused(Path path, String reason) {
      return new SettingsStorageException(
          "Refusing lock file "
              + path
              + ": "
              + reason
              + "; it must be a regular file of this user with one name (remove it, and it is"
              + " created anew)",
          null);
    }

    void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Closing drops the process's locks on this file, which is all that matters here.
      }
    }
  }
}

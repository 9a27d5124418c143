package dev.settingsguard.locking.internal;

import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.internal.Backoff;
import dev.settingsguard.core.internal.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
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
 * <p>The OS lock is polled with {@link Backoff} pauses rather than waited on: a thread blocked in
 * {@link FileChannel#lock()} cannot be timed out, and interrupting it closes the channel.
 */
public final class FileLockStrategy implements WriteGuard {

  private static final Logger LOG = LoggerFactory.getLogger(FileLockStrategy.class);

  /** One entry per lock file open in this JVM; removed when its last store closes. */
  private static final Map<Path, SharedLockFile> OPEN = new HashMap<>();

  private final SharedLockFile shared;
  private final Duration timeout;
  private final WriteGuard batchScope;
  private boolean closed;

  private FileLockStrategy(SharedLockFile shared, WriteGuard guardsBelow, Duration timeout) {
    this.shared = shared;
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
   * @throws SettingsStorageException naming the lock file if it cannot be created or opened
   */
  public static FileLockStrategy forDatabase(
      Path canonicalDatabase, WriteGuard guardsBelow, Duration timeout) {
    Objects.requireNonNull(guardsBelow, "guardsBelow");
    Objects.requireNonNull(timeout, "timeout");
    Path lockFile = canonicalDatabase.resolveSibling(canonicalDatabase.getFileName() + ".lock");
    synchronized (OPEN) {
      SharedLockFile shared = OPEN.get(lockFile);
      if (shared == null) {
        shared = SharedLockFile.open(lockFile);
        OPEN.put(lockFile, shared);
      }
      shared.users++;
      return new FileLockStrategy(shared, guardsBelow, timeout);
    }
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
   * caller's result stands, and closing the channel releases the lock in any case.
   */
  private void release(FileLock fileLock) {
    try {
      fileLock.release();
    } catch (IOException failure) {
      LOG.warn("Cannot release the file lock on {}", shared.path, failure);
    }
  }

  /** Closes the lock file's channel when the last store using it in this JVM closes. */
  @Override
  public void close() {
    synchronized (OPEN) {
      if (closed) {
        return;
      }
      closed = true;
      if (--shared.users == 0) {
        OPEN.remove(shared.path);
        shared.close();
      }
    }
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
   * The in-JVM lock and the open channel for one lock file; {@code users} is guarded by {@code
   * OPEN}, {@code held} by {@code writers}.
   */
  private static final class SharedLockFile {
    final Path path;
    final FileChannel channel;
    final CombiningLock writers;
    int users;
    FileLock held;

    private SharedLockFile(Path path, FileChannel channel) {
      this.path = path;
      this.channel = channel;
      this.writers = new CombiningLock("in-JVM lock on " + path);
    }

    static SharedLockFile open(Path path) {
      try {
        OwnerOnlyFiles.createIfAbsent(path);
        return new SharedLockFile(path, FileChannel.open(path, StandardOpenOption.WRITE));
      } catch (IOException failure) {
        throw new SettingsStorageException(
            "Cannot open lock file " + path + ": " + failure, failure);
      }
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

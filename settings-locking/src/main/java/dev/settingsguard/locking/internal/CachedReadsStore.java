package dev.settingsguard.locking.internal;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsException;
import dev.settingsguard.core.SettingsListener;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves reads from an in-memory snapshot of every setting and provider, which the store's own
 * change feed keeps current; writes pass through. Outermost in the chain but for the input checks.
 *
 * <p>A snapshot is a committed state: it is read with the revision before and after, and kept only
 * if no write operation committed between (every committed write takes a revision, and revisions
 * commit in order), so it shows the invariant as one instant of the database did. The store reads
 * its own writes at once: a read after a write through this store has returned loads a new snapshot
 * first. Other writers' changes arrive with the feed: each change raises the revision the snapshot
 * must hold, and the feed's thread loads a new one. A listener of {@link #watch} is told of a
 * change only after that, so what it reads through this store holds the change.
 *
 * <p>Under writes so frequent that {@link #CONSISTENT_ATTEMPTS} loads in a row meet a commit, a
 * read goes to the database instead, which is what an uncached store does; the next read tries a
 * load again. The snapshot is never older than the feed's last delivered change.
 *
 * <p>Reads answer as the database would: lists in the database's order, and a database with two
 * active providers (another client dropped the index) gets the uncached store's error.
 */
public final class CachedReadsStore implements SettingsStore {

  /** Loads tried before a read gives up on the snapshot and goes to the database. */
  static final int CONSISTENT_ATTEMPTS = 5;

  /**
   * After a load that failed, how long reads go to the database before one tries to load again: a
   * provider's key that does not decrypt fails every load, and would otherwise make every read pay
   * for one, one read at a time.
   */
  static final long FAILED_LOAD_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final Logger LOG = LoggerFactory.getLogger(CachedReadsStore.class);

  private final SettingsStore delegate;
  private final SettingsWatch watch;

  /** Write operations of this store that have returned, or thrown: either may have committed. */
  private final AtomicLong writesDone = new AtomicLong();

  /** The newest revision the feed has delivered: a snapshot older than this is not served. */
  private final AtomicLong revisionSeen = new AtomicLong();

  private volatile boolean closed;

  /** Held while a snapshot loads, so that loads do not pile up. */
  private final ReentrantLock loading = new ReentrantLock();

  /** {@code null} until the first load succeeds. */
  private volatile Snapshot snapshot;

  /** Until when reads go to the database after a failed load; {@link System#nanoTime()}. */
  private volatile long loadAgainAt = System.nanoTime();

  /**
   * Loads the first snapshot and watches the store's changes after it.
   *
   * @param delegate the chain whose reads to serve from memory
   */
  public CachedReadsStore(SettingsStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    Snapshot first = load(0);
    this.snapshot = first;
    long after = first == null ? delegate.currentRevision() : first.revision();
    this.revisionSeen.set(after);
    this.watch = delegate.watch(after, new Refresher());
  }

  @Override
  public void setSetting(String key, String value) {
    write(
        () -> {
          delegate.setSetting(key, value);
          return null;
        });
  }

  @Override
  public void setSettings(Map<String, String> entries) {
    write(
        () -> {
          delegate.setSettings(entries);
          return null;
        });
  }

  @Override
  public Setting replaceSetting(String key, long expectedRevision, String value) {
    return write(() -> delegate.replaceSetting(key, expectedRevision, value));
  }

  @Override
  public boolean deleteSetting(String key) {
    return write(() -> delegate.deleteSetting(key));
  }

  @Override
  public AiProvider addAiProvider(String providerName, ApiKey apiKey, String model) {
    return write(() -> delegate.addAiProvider(providerName, apiKey, model));
  }

  @Override
  public AiProvider setActiveProvider(long id) {
    return write(() -> delegate.setActiveProvider(id));
  }

  @Override
  public AiProvider updateAiProvider(long id, long expectedRevision, ApiKey apiKey, String model) {
    return write(() -> delegate.updateAiProvider(id, expectedRevision, apiKey, model));
  }

  @Override
  public boolean deleteAiProvider(long id) {
    return write(() -> delegate.deleteAiProvider(id));
  }

  @Override
  public int reencryptSecrets() {
    return write(delegate::reencryptSecrets);
  }

  @Override
  public Optional<Setting> getSetting(String key) {
    Snapshot current = current();
    return current == null
        ? delegate.getSetting(key)
        : Optional.ofNullable(current.settingsByKey().get(key));
  }

  @Override
  public List<Setting> listSettings() {
    Snapshot current = current();
    return current == null ? delegate.listSettings() : current.settings();
  }

  @Override
  public Optional<AiProvider> getActiveProvider() {
    Snapshot current = current();
    return current == null || current.active() == null
        ? delegate.getActiveProvider()
        : current.active();
  }

  @Override
  public Optional<AiProvider> getAiProvider(long id) {
    Snapshot current = current();
    return current == null
        ? delegate.getAiProvider(id)
        : Optional.ofNullable(current.providersById().get(id));
  }

  @Override
  public List<AiProvider> listAiProviders() {
    Snapshot current = current();
    return current == null ? delegate.listAiProviders() : current.providers();
  }

  /** From the database: the snapshot may be a feed's delay behind other writers. */
  @Override
  public long currentRevision() {
    return delegate.currentRevision();
  }

  /** The chain's watch, whose listener is told of a change once this store's reads hold it. */
  @Override
  public SettingsWatch watch(long afterRevision, SettingsListener listener) {
    Objects.requireNonNull(listener, "listener");
    return delegate.watch(
        afterRevision,
        new SettingsListener() {
          @Override
          public void onChange(SettingsChange change) {
            refreshTo(change.revision());
            listener.onChange(change);
          }

          @Override
          public void onReset(long currentRevision) {
            refreshTo(currentRevision);
            listener.onReset(currentRevision);
          }
        });
  }

  /** Stops refreshing, then closes the chain; reads then throw as the chain's do. */
  @Override
  public void close() {
    closed = true;
    try {
      watch.close();
    } finally {
      delegate.close();
    }
  }

  /** The chain's, with the cache named. */
  @Override
  public String toString() {
    return "CachedReads(" + delegate + ")";
  }

  private <R> R write(Supplier<R> operation) {
    try {
      return operation.get();
    } finally {
      writesDone.incrementAndGet();
    }
  }

  /**
   * @return a snapshot that holds every write of this store that has returned, or {@code null} when
   *     none could be loaded consistently
   */
  private Snapshot current() {
    if (closed) {
      throw new SettingsStorageException("Settings store " + delegate + " is closed", null);
    }
    Snapshot current = snapshot;
    long writes = writesDone.get();
    if (holds(current, writes)) {
      return current;
    }
    if (System.nanoTime() - loadAgainAt < 0) {
      return null;
    }
    loading.lock();
    try {
      current = snapshot;
      if (holds(current, writes)) {
        return current;
      }
      Snapshot loaded = load(writes);
      if (loaded != null) {
        snapshot = loaded;
      }
      return loaded;
    } finally {
      loading.unlock();
    }
  }

  private boolean holds(Snapshot current, long writes) {
    return current != null
        && current.writesSeen() >= writes
        && current.revision() >= revisionSeen.get();
  }

  /**
   * Makes the snapshot hold {@code revision} before the next read is served from it, and loads it
   * now, on the feed's thread, so that the next read finds it done. A load that fails, or meets a
   * commit at every attempt, leaves that to the next read.
   */
  private void refreshTo(long revision) {
    revisionSeen.accumulateAndGet(revision, Math::max);
    if (closed) {
      return;
    }
    try {
      current();
    } catch (SettingsException e) {
      LOG.debug(
          "Settings store {}: loading revision {} is left to the next read", delegate, revision, e);
    }
  }

  /**
   * Reads a committed state: the revision, every provider and setting, and the revision again,
   * until the two revisions agree.
   *
   * @param writes this store's writes done before the load began: the snapshot holds them
   * @return the snapshot, or {@code null} if every attempt met a commit, or the providers could not
   *     be read
   */
  private Snapshot load(long writes) {
    for (int attempt = 0; attempt < CONSISTENT_ATTEMPTS; attempt++) {
      long before = delegate.currentRevision();
      List<AiProvider> providers;
      try {
        providers = delegate.listAiProviders();
      } catch (SettingsStorageException undecryptable) {
        // One provider's key that does not decrypt fails the whole list; reads go to the
        // database, where only the reads of that provider fail.
        loadAgainAt = System.nanoTime() + FAILED_LOAD_PAUSE_NANOS;
        return null;
      }
      List<Setting> settings = delegate.listSettings();
      if (delegate.currentRevision() == before) {
        return new Snapshot(before, writes, List.copyOf(settings), List.copyOf(providers));
      }
    }
    return null;
  }

  /** Keeps the snapshot current as the feed delivers changes. */
  private final class Refresher implements SettingsListener {
    @Override
    public void onChange(SettingsChange change) {
      refreshTo(change.revision());
    }

    @Override
    public void onReset(long currentRevision) {
      refreshTo(currentRevision);
    }
  }

  /**
   * One committed state.
   *
   * @param revision the revision it shows
   * @param writesSeen how many of this store's writes had returned before it was read
   * @param settings every setting, in the database's order
   * @param providers every provider, in the database's order
   * @param settingsByKey the settings by key
   * @param providersById the providers by id
   * @param active the active provider, or {@code null} when the database holds two or more
   */
  private record Snapshot(
      long revision,
      long writesSeen,
      List<Setting> settings,
      List<AiProvider> providers,
      Map<String, Setting> settingsByKey,
      Map<Long, AiProvider> providersById,
      Optional<AiProvider> active) {

    Snapshot(long revision, long writesSeen, List<Setting> settings, List<AiProvider> providers) {
      this(
          revision,
          writesSeen,
          settings,
          providers,
          settings.stream().collect(Collectors.toUnmodifiableMap(Setting::key, s -> s)),
          providers.stream().collect(Collectors.toUnmodifiableMap(AiProvider::id, p -> p)),
          onlyActive(providers));
    }

    private static Optional<AiProvider> onlyActive(List<AiProvider> providers) {
      List<AiProvider> active = providers.stream().filter(AiProvider::active).limit(2).toList();
      return active.size() > 1 ? null : active.stream().findFirst();
    }
  }
}

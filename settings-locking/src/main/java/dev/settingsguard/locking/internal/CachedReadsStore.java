package dev.settingsguard.locking.internal;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsListener;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serves reads from an in-memory snapshot of every setting and provider, which the store's own
 * change feed keeps current; writes pass through. Outermost in the chain but for the input checks.
 *
 * <p>A snapshot is a committed state: it is read with the revision before and after, and kept only
 * if no write operation committed between (every committed write takes a revision, and revisions
 * commit in order), so it shows the invariant as one instant of the database did. The store reads
 * its own writes at once: a read after a write through this store has returned loads a new snapshot
 * first. Other writers' changes arrive with the feed: on the feed's thread, each change of a
 * revision the snapshot does not hold loads a new one.
 *
 * <p>Under writes so frequent that {@link #CONSISTENT_ATTEMPTS} loads in a row meet a commit, a
 * read goes to the database instead, which is what an uncached store does.
 */
public final class CachedReadsStore implements SettingsStore {

  /** Loads tried before a read gives up on the snapshot and goes to the database. */
  static final int CONSISTENT_ATTEMPTS = 5;

  private final SettingsStore delegate;
  private final SettingsWatch watch;

  /** Write operations of this store that have returned, or thrown: either may have committed. */
  private final AtomicLong writesDone = new AtomicLong();

  /** Held while a snapshot loads, so that loads do not pile up. */
  private final ReentrantLock loading = new ReentrantLock();

  /** {@code null} until the first load succeeds. */
  private volatile Snapshot snapshot;

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
  public Optional<Setting> getSetting(String key) {
    Snapshot current = current();
    return current == null
        ? delegate.getSetting(key)
        : Optional.ofNullable(current.settings().get(key));
  }

  @Override
  public List<Setting> listSettings() {
    Snapshot current = current();
    return current == null ? delegate.listSettings() : List.copyOf(current.settings().values());
  }

  @Override
  public Optional<AiProvider> getActiveProvider() {
    Snapshot current = current();
    return current == null
        ? delegate.getActiveProvider()
        : current.providers().values().stream().filter(AiProvider::active).findFirst();
  }

  @Override
  public Optional<AiProvider> getAiProvider(long id) {
    Snapshot current = current();
    return current == null
        ? delegate.getAiProvider(id)
        : Optional.ofNullable(current.providers().get(id));
  }

  @Override
  public List<AiProvider> listAiProviders() {
    Snapshot current = current();
    return current == null ? delegate.listAiProviders() : List.copyOf(current.providers().values());
  }

  /** From the database: the snapshot may be a feed's delay behind other writers. */
  @Override
  public long currentRevision() {
    return delegate.currentRevision();
  }

  @Override
  public SettingsWatch watch(long afterRevision, SettingsListener listener) {
    return delegate.watch(afterRevision, listener);
  }

  /** Stops refreshing, then closes the chain. */
  @Override
  public void close() {
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
    Snapshot current = snapshot;
    long writes = writesDone.get();
    if (current != null && current.writesSeen() >= writes) {
      return current;
    }
    loading.lock();
    try {
      current = snapshot;
      if (current != null && current.writesSeen() >= writes) {
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

  /**
   * Reads a committed state: the revision, every provider and setting, and the revision again,
   * until the two revisions agree.
   *
   * @param writes this store's writes done before the load began: the snapshot holds them
   * @return the snapshot, or {@code null} if every attempt met a commit
   */
  private Snapshot load(long writes) {
    for (int attempt = 0; attempt < CONSISTENT_ATTEMPTS; attempt++) {
      long before = delegate.currentRevision();
      List<AiProvider> providers = delegate.listAiProviders();
      List<Setting> settings = delegate.listSettings();
      if (delegate.currentRevision() == before) {
        NavigableMap<Long, AiProvider> byId = new TreeMap<>();
        providers.forEach(provider -> byId.put(provider.id(), provider));
        NavigableMap<String, Setting> byKey = new TreeMap<>();
        settings.forEach(setting -> byKey.put(setting.key(), setting));
        return new Snapshot(
            before,
            writes,
            Collections.unmodifiableNavigableMap(byKey),
            Collections.unmodifiableNavigableMap(byId));
      }
    }
    return null;
  }

  /** Loads a new snapshot, on the feed's thread, when a change is newer than the snapshot. */
  private final class Refresher implements SettingsListener {
    @Override
    public void onChange(SettingsChange change) {
      refreshTo(change.revision());
    }

    @Override
    public void onReset(long currentRevision) {
      refreshTo(currentRevision);
    }

    private void refreshTo(long revision) {
      Snapshot current = snapshot;
      if (current != null && current.revision() >= revision) {
        return;
      }
      loading.lock();
      try {
        current = snapshot;
        if (current != null && current.revision() >= revision) {
          return;
        }
        Snapshot loaded = load(writesDone.get());
        // A load that met commits all the time leaves the old snapshot; the next change retries.
        if (loaded != null) {
          snapshot = loaded;
        }
      } finally {
        loading.unlock();
      }
    }
  }

  /**
   * One committed state.
   *
   * @param revision the revision it shows
   * @param writesSeen how many of this store's writes had returned before it was read
   * @param settings every setting by key
   * @param providers every provider by id
   */
  private record Snapshot(
      long revision,
      long writesSeen,
      NavigableMap<String, Setting> settings,
      NavigableMap<Long, AiProvider> providers) {}
}

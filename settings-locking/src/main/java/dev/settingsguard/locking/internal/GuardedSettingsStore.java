package dev.settingsguard.locking.internal;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsListener;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A decorator that runs every write operation of the wrapped store inside one {@link WriteGuard}
 * and passes reads straight through. Each strategy is this decorator with its own guard; chains
 * nest it.
 */
public final class GuardedSettingsStore implements SettingsStore {

  private final SettingsStore delegate;
  private final WriteGuard guard;

  /**
   * @param delegate the store to guard
   * @param guard what to do around each write
   */
  public GuardedSettingsStore(SettingsStore delegate, WriteGuard guard) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.guard = Objects.requireNonNull(guard, "guard");
  }

  @Override
  public void setSetting(String key, String value) {
    guard.around(
        () -> {
          delegate.setSetting(key, value);
          return null;
        });
  }

  @Override
  public void setSettings(Map<String, String> entries) {
    guard.around(
        () -> {
          delegate.setSettings(entries);
          return null;
        });
  }

  @Override
  public Setting replaceSetting(String key, long expectedRevision, String value) {
    return guard.around(() -> delegate.replaceSetting(key, expectedRevision, value));
  }

  @Override
  public AiProvider updateAiProvider(long id, long expectedRevision, ApiKey apiKey, String model) {
    return guard.around(() -> delegate.updateAiProvider(id, expectedRevision, apiKey, model));
  }

  @Override
  public boolean deleteSetting(String key) {
    return guard.around(() -> delegate.deleteSetting(key));
  }

  @Override
  public AiProvider addAiProvider(String providerName, ApiKey apiKey, String model) {
    return guard.around(() -> delegate.addAiProvider(providerName, apiKey, model));
  }

  @Override
  public AiProvider setActiveProvider(long id) {
    return guard.aroundActivation(id, () -> delegate.setActiveProvider(id));
  }

  @Override
  public boolean deleteAiProvider(long id) {
    return guard.around(() -> delegate.deleteAiProvider(id));
  }

  @Override
  public int reencryptSecrets() {
    return guard.around(delegate::reencryptSecrets);
  }

  @Override
  public Optional<Setting> getSetting(String key) {
    return delegate.getSetting(key);
  }

  @Override
  public List<Setting> listSettings() {
    return delegate.listSettings();
  }

  @Override
  public Optional<AiProvider> getActiveProvider() {
    return delegate.getActiveProvider();
  }

  @Override
  public Optional<AiProvider> getAiProvider(long id) {
    return delegate.getAiProvider(id);
  }

  @Override
  public List<AiProvider> listAiProviders() {
    return delegate.listAiProviders();
  }

  @Override
  public long currentRevision() {
    return delegate.currentRevision();
  }

  @Override
  public SettingsWatch watch(long afterRevision, SettingsListener listener) {
    return delegate.watch(afterRevision, listener);
  }

  /** Releases the guard, then closes the wrapped store, even if releasing failed. */
  @Override
  public void close() {
    try {
      guard.close();
    } finally {
      delegate.close();
    }
  }

  /**
   * Shows the chain, outermost first, e.g. {@code JvmLock(SqliteImmediate(JdbiSettingsStore[…]))}.
   */
  @Override
  public String toString() {
    return guard + "(" + delegate + ")";
  }
}

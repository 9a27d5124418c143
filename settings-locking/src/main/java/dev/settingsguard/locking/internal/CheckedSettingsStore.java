package dev.settingsguard.locking.internal;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsListener;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import dev.settingsguard.core.internal.InputRules;
import dev.settingsguard.jdbi.Database;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place where the input rules run: outermost in every chain, {@code NONE}'s included, so
 * that bad input is refused with {@code InvalidInputException} before any lock is taken or any
 * transaction begins. Also applies the backend's own limits on text ({@link
 * Database#checkStorable}). Not a strategy: it does not show in the chain's {@code toString()}.
 */
public final class CheckedSettingsStore implements SettingsStore {

  private final SettingsStore delegate;
  private final Database database;
  private final boolean secretKeys;

  /**
   * @param delegate the chain to check input for
   * @param database the database the chain writes, for its limits on text
   * @param secretKeys whether the adapter has secret keys, without which re-encryption is refused
   *     before any lock is taken
   */
  public CheckedSettingsStore(SettingsStore delegate, Database database, boolean secretKeys) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.database = Objects.requireNonNull(database, "database");
    this.secretKeys = secretKeys;
  }

  @Override
  public void setSetting(String key, String value) {
    InputRules.settingKey(key);
    InputRules.settingValue(value);
    database.checkStorable("value", value);
    delegate.setSetting(key, value);
  }

  @Override
  public void setSettings(Map<String, String> entries) {
    InputRules.settings(entries);
    entries.values().forEach(value -> database.checkStorable("value", value));
    delegate.setSettings(entries);
  }

  @Override
  public Setting replaceSetting(String key, long expectedRevision, String value) {
    InputRules.settingKey(key);
    InputRules.revision("expectedRevision", expectedRevision);
    InputRules.settingValue(value);
    database.checkStorable("value", value);
    return delegate.replaceSetting(key, expectedRevision, value);
  }

  @Override
  public Optional<Setting> getSetting(String key) {
    InputRules.settingKey(key);
    return delegate.getSetting(key);
  }

  @Override
  public List<Setting> listSettings() {
    return delegate.listSettings();
  }

  @Override
  public boolean deleteSetting(String key) {
    InputRules.settingKey(key);
    return delegate.deleteSetting(key);
  }

  @Override
  public AiProvider addAiProvider(String providerName, ApiKey apiKey, String model) {
    InputRules.providerName(providerName);
    checkKeyAndModel(apiKey, model);
    return delegate.addAiProvider(providerName, apiKey, model);
  }

  private void checkKeyAndModel(ApiKey apiKey, String model) {
    if (apiKey != null) {
      InputRules.apiKey(apiKey.reveal());
      database.checkStorable("apiKey", apiKey.reveal());
    }
    InputRules.model(model);
    database.checkStorable("model", model);
  }

  @Override
  public AiProvider setActiveProvider(long id) {
    InputRules.providerId(id);
    return delegate.setActiveProvider(id);
  }

  @Override
  public AiProvider updateAiProvider(long id, long expectedRevision, ApiKey apiKey, String model) {
    InputRules.providerId(id);
    InputRules.revision("expectedRevision", expectedRevision);
    checkKeyAndModel(apiKey, model);
    return delegate.updateAiProvider(id, expectedRevision, apiKey, model);
  }

  @Override
  public boolean deleteAiProvider(long id) {
    InputRules.providerId(id);
    return delegate.deleteAiProvider(id);
  }

  @Override
  public int reencryptSecrets() {
    if (!secretKeys) {
      throw new IllegalStateException(
          "Settings database " + database.name() + " was opened without secret keys");
    }
    return delegate.reencryptSecrets();
  }

  @Override
  public Optional<AiProvider> getActiveProvider() {
    return delegate.getActiveProvider();
  }

  @Override
  public Optional<AiProvider> getAiProvider(long id) {
    InputRules.providerId(id);
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
    InputRules.revision("afterRevision", afterRevision);
    InputRules.listener(listener);
    return delegate.watch(afterRevision, listener);
  }

  @Override
  public void close() {
    delegate.close();
  }

  /** The chain's, since this is no strategy. */
  @Override
  public String toString() {
    return delegate.toString();
  }
}

package dev.settingsguard.core;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Application settings and AI-provider configurations.
 *
 * <p>The store keeps one invariant: after every completed operation, and as seen by any reader at
 * any moment, <b>if at least one provider exists, exactly one is active; if none exists, none
 * is</b>. A failed operation changes nothing.
 *
 * <p>Every implementation is thread-safe. Bad input is refused with {@link InvalidInputException}
 * before anything is written.
 */
public interface SettingsStore extends AutoCloseable {

  /**
   * Inserts or replaces one setting.
   *
   * @param key the setting's key: not blank, at most 256 characters, no control characters
   * @param value the value, stored as given: {@code null} and {@code ""} are values, not absence
   * @throws InvalidInputException if the key or value breaks an input rule
   * @throws SettingsBusyException if the write could not start within the lock timeout
   * @throws SettingsStorageException if the database failed; nothing was written
   */
  void setSetting(String key, String value);

  /**
   * Inserts or replaces several settings at once: either all are written or none is.
   *
   * @param entries keys to values; values may be {@code null}
   * @throws InvalidInputException if any key or value breaks an input rule; nothing is written
   * @throws SettingsBusyException if the write could not start within the lock timeout
   * @throws SettingsStorageException if the database failed; nothing was written
   */
  void setSettings(Map<String, String> entries);

  /**
   * Reads one setting.
   *
   * @param key the setting's key
   * @return the setting, or empty if the key was never set or was deleted
   * @throws InvalidInputException if the key breaks an input rule
   */
  Optional<Setting> getSetting(String key);

  /**
   * Reads every setting.
   *
   * @return all settings ordered by key
   */
  List<Setting> listSettings();

  /**
   * Deletes one setting.
   *
   * @param key the setting's key
   * @return {@code true} when a row was removed
   * @throws InvalidInputException if the key breaks an input rule
   */
  boolean deleteSetting(String key);

  /**
   * Adds a provider, or updates the one with the same name, and makes it the single active
   * provider.
   *
   * @param providerName the provider's unique name
   * @param apiKey its secret, or {@code null} for providers that need none
   * @param model the model to use, or {@code null}
   * @return the stored provider, active
   * @throws InvalidInputException if an argument breaks an input rule; nothing is written
   */
  AiProvider addAiProvider(String providerName, ApiKey apiKey, String model);

  /**
   * Makes one provider the single active provider.
   *
   * @param id the provider's id, positive
   * @return the stored provider, active
   * @throws ProviderNotFoundException if no provider has this id; nothing changes
   */
  AiProvider setActiveProvider(long id);

  /**
   * Deletes a provider. When it was the active one and others remain, the most recently updated
   * remaining provider (ties: the highest id) becomes active.
   *
   * @param id the provider's id, positive
   * @return {@code true} when a provider was removed
   */
  boolean deleteAiProvider(long id);

  /**
   * Reads the active provider.
   *
   * @return the active provider, empty only when no provider exists
   */
  Optional<AiProvider> getActiveProvider();

  /**
   * Reads one provider.
   *
   * @param id the provider's id, positive
   * @return the provider, or empty if none has this id
   */
  Optional<AiProvider> getAiProvider(long id);

  /**
   * Reads every provider.
   *
   * @return all providers ordered by id
   */
  List<AiProvider> listAiProviders();

  /** Releases the store's connections and locks. Idempotent; declares no checked exception. */
  @Override
  void close();
}

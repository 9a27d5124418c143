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
   * Writes one setting only if it is still as the caller read it: compare-and-set on its revision.
   *
   * @param key the setting's key
   * @param expectedRevision the {@link Setting#revision()} the caller read, or {@code 0} to write
   *     only if the key is absent
   * @param value the new value, as for {@link #setSetting}
   * @return the stored setting, with its new revision
   * @throws RevisionConflictException if the setting's revision is another; nothing is written
   * @throws InvalidInputException if the key or value breaks an input rule, or the expected
   *     revision is negative
   */
  Setting replaceSetting(String key, long expectedRevision, String value);

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
   * Changes a provider's key and model only if it is still as the caller read it: compare-and-set
   * on its revision. Whether it is active does not change.
   *
   * @param id the provider's id, positive
   * @param expectedRevision the {@link AiProvider#revision()} the caller read
   * @param apiKey its new secret, or {@code null}
   * @param model its new model, or {@code null}
   * @return the stored provider, with its new revision
   * @throws ProviderNotFoundException if no provider has this id; nothing changes
   * @throws RevisionConflictException if the provider's revision is another; nothing changes
   * @throws InvalidInputException if an argument breaks an input rule
   */
  AiProvider updateAiProvider(long id, long expectedRevision, ApiKey apiKey, String model);

  /**
   * Deletes a provider. When it was the active one and others remain, the most recently updated
   * remaining provider (ties: the highest id) becomes active.
   *
   * @param id the provider's id, positive
   * @return {@code true} when a provider was removed
   */
  boolean deleteAiProvider(long id);

  /**
   * Rewrites every stored API key under the primary key of the store's secret keys, and encrypts
   * any key still stored in clear; in one transaction, so a failure changes nothing. It takes a
   * revision like a write, so {@link #currentRevision()} moves, but no value, no row's revision and
   * no change in the feed does. Rotation: add a key to the keyset, give the new keyset to every
   * process, make the new key primary there, call this once, then retire the old key.
   *
   * @return how many providers' keys were rewritten
   * @throws SettingsStorageException naming the provider if a stored key does not decrypt with the
   *     store's secret keys; nothing changes
   * @throws IllegalStateException if the store has no secret keys
   */
  int reencryptSecrets();

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

  /**
   * The revision of the last committed write operation of any writer of the database: every write
   * operation that changes something takes the next one, strictly increasing across all processes
   * and machines, and a batch of {@link #setSettings} is one operation.
   *
   * @return the revision, {@code 0} for a database never written
   */
  long currentRevision();

  /**
   * Delivers every change committed after {@code afterRevision} by any writer of the database, each
   * once and in revision order, until the watch is closed. The changes come from a log kept in the
   * database and trimmed to a bounded length: if those after {@code afterRevision} were trimmed
   * already, the listener gets {@link SettingsListener#onReset} first.
   *
   * <p>Typical use: read {@link #currentRevision()}, then the state you keep, then watch after that
   * revision. A change the state already shows may be delivered; none is missed.
   *
   * @param afterRevision deliver changes of later revisions; {@code 0} for all the log holds
   * @param listener receives the changes on the store's feed thread
   * @return the watch; closing it, or the store, stops delivery
   * @throws InvalidInputException if the revision is negative
   */
  SettingsWatch watch(long afterRevision, SettingsListener listener);

  /** Releases the store's connections and locks. Idempotent; declares no checked exception. */
  @Override
  void close();
}

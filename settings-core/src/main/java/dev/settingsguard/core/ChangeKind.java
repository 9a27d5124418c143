package dev.settingsguard.core;

/** What one {@link SettingsChange} did. */
public enum ChangeKind {
  /** A setting was inserted or replaced; {@link SettingsChange#settingKey()} names it. */
  SETTING_WRITTEN,
  /** A setting was deleted; {@link SettingsChange#settingKey()} names it. */
  SETTING_DELETED,
  /**
   * A provider was added or its name, key or model changed; {@link SettingsChange#providerId()}
   * names it.
   */
  PROVIDER_WRITTEN,
  /** A provider was deleted; {@link SettingsChange#providerId()} names it. */
  PROVIDER_DELETED,
  /**
   * An operation made a provider the active one, {@link SettingsChange#providerId()}: every
   * activation, also of the provider that was active already (its row was written). After the
   * active provider is deleted and none remains, the id is {@code null}.
   */
  ACTIVE_PROVIDER_CHANGED
}

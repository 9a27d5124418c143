/**
 * The settings port: {@link dev.settingsguard.core.SettingsStore}, its value types ({@link
 * dev.settingsguard.core.Setting}, {@link dev.settingsguard.core.AiProvider}, {@link
 * dev.settingsguard.core.ApiKey}) and its exceptions, all rooted at {@link
 * dev.settingsguard.core.SettingsException}.
 *
 * <p>This package knows nothing of SQL, Jdbi, SQLite or Guice.
 */
package dev.settingsguard.core;

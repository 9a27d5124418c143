package dev.settingsguard.locking;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.settingsguard.core.SettingsStore;
import java.util.Objects;

/**
 * Binds {@link SettingsStore} to a singleton: the adapter over the configured database, wrapped in
 * the configured strategies. The database is opened when the store is first needed, never in {@code
 * configure()}. Close the store when the application stops.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new SettingsModule(
 *     SettingsConfig.builder().database(Path.of("settings.db")).build()));
 * SettingsStore store = injector.getInstance(SettingsStore.class);
 * }</pre>
 */
public final class SettingsModule extends AbstractModule {

  private final SettingsConfig config;

  /**
   * @param config what to open and how to guard it
   */
  public SettingsModule(SettingsConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    // Everything is in the @Provides method below, which does the I/O lazily.
  }

  @Provides
  @Singleton
  SettingsStore settingsStore() {
    return SettingsStores.open(config);
  }
}

package dev.settingsguard.core;

/** A running {@link SettingsStore#watch watch}. */
public interface SettingsWatch extends AutoCloseable {

  /**
   * Stops delivery: once this returns, the listener is not called again (unless it is itself the
   * caller, from within a delivery, which then ends normally). Idempotent.
   */
  @Override
  void close();
}

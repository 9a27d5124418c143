package dev.settingsguard.core;

/**
 * Receives the change feed of a {@link SettingsStore#watch watch}. Called on the store's feed
 * thread, one call at a time, in revision order: keep it short, and hand long work to an executor
 * of your own. An exception it throws is logged and the watch goes on with the next change.
 */
@FunctionalInterface
public interface SettingsListener {

  /**
   * One change, delivered once.
   *
   * @param change what changed; read the store for the values
   */
  void onChange(SettingsChange change);

  /**
   * The changes after the watch's revision were trimmed from the log before they could be
   * delivered: state read now may differ from any state the listener saw in ways no change will
   * tell. Reload what you keep; the watch goes on with the changes after {@code currentRevision}.
   * Does nothing unless overridden.
   *
   * @param currentRevision the store's revision when the gap was found
   */
  default void onReset(long currentRevision) {}
}

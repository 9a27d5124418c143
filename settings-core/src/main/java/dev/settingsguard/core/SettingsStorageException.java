package dev.settingsguard.core;

/**
 * The storage failed: an I/O or SQL error, a corrupt or read-only file, a full disk. The
 * operation's transaction, if any, was rolled back.
 */
public final class SettingsStorageException extends SettingsException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, naming the database path where there is one
   * @param cause the underlying failure
   */
  public SettingsStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.settingsguard.core;

/** The root of every exception the store throws. All are unchecked. */
public class SettingsException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed; never contains a secret
   */
  public SettingsException(String message) {
    super(message);
  }

  /**
   * @param message what failed; never contains a secret
   * @param cause the underlying failure
   */
  public SettingsException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.settingsguard.core;

import java.time.Duration;

/**
 * A lock, or the database's write lock, was not obtained within the configured timeout, or the wait
 * was interrupted (the thread's interrupt flag is then set again). Nothing changed.
 */
public final class SettingsBusyException extends SettingsException {

  private static final long serialVersionUID = 1L;

  private final String resource;
  private final Duration waited;

  /**
   * @param resource what could not be obtained, e.g. {@code "JVM lock on /data/settings.db"}
   * @param waited how long the caller waited
   */
  public SettingsBusyException(String resource, Duration waited) {
    this(resource, waited, "not acquired within " + waited, null);
  }

  /**
   * @param resource what could not be obtained
   * @param waited how long the caller waited
   * @param cause the underlying failure
   */
  public SettingsBusyException(String resource, Duration waited, Throwable cause) {
    this(resource, waited, "not acquired within " + waited, cause);
  }

  /**
   * @param resource what could not be obtained
   * @param waited how long the caller waited
   * @param reason why it was not obtained, e.g. {@code "lost to a concurrent commit"}
   * @param cause the underlying failure
   */
  public SettingsBusyException(String resource, Duration waited, String reason, Throwable cause) {
    super(resource + " " + reason, cause);
    this.resource = resource;
    this.waited = waited;
  }

  /**
   * For a wait that ended because the thread was interrupted; the caller has restored the flag.
   *
   * @param resource what was being waited for
   * @param waited how long the caller waited before the interrupt
   * @param cause the interrupt
   * @return the exception to throw
   */
  public static SettingsBusyException interrupted(
      String resource, Duration waited, InterruptedException cause) {
    return new SettingsBusyException(resource, waited, "wait interrupted after " + waited, cause);
  }

  /**
   * @return what could not be obtained
   */
  public String resource() {
    return resource;
  }

  /**
   * @return how long the caller waited
   */
  public Duration waited() {
    return waited;
  }
}

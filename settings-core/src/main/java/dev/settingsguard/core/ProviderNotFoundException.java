package dev.settingsguard.core;

/** No provider has the requested id. Nothing changed. */
public final class ProviderNotFoundException extends SettingsException {

  private static final long serialVersionUID = 1L;

  private final long id;

  /**
   * @param id the id that was not found
   */
  public ProviderNotFoundException(long id) {
    super("No AI provider with id " + id);
    this.id = id;
  }

  /**
   * @return the id that was not found
   */
  public long id() {
    return id;
  }
}

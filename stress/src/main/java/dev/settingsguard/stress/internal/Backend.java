package dev.settingsguard.stress.internal;

/** Which database the harness measures on. */
public enum Backend {
  /** One SQLite file per cell; processes stand for applications on one host. */
  SQLITE("SQLite"),
  /** One schema per cell on a PostgreSQL server; processes stand for machines. */
  POSTGRES("PostgreSQL");

  private final String displayName;

  Backend(String displayName) {
    this.displayName = displayName;
  }

  /**
   * @return the backend's name in reports, e.g. {@code PostgreSQL}
   */
  public String displayName() {
    return displayName;
  }
}

package dev.settingsguard.stress.internal;

/** What each load thread does, one operation after another, for the whole measured window. */
public enum Workload {
  /** Only writes that race on the invariant: setActiveProvider of a random seeded provider. */
  ACTIVATE("100% setActiveProvider among " + SeedData.PROVIDERS + " providers"),

  /**
   * A settings service's day, mostly reads: 40% getActiveProvider, 30% getSetting, 10%
   * listAiProviders, 10% setSetting, 5% setActiveProvider, 4% addAiProvider of an existing name (an
   * update that activates it), 1% deleteAiProvider followed by addAiProvider of the same name.
   */
  MIX("80% reads, 10% setSetting, 5% setActiveProvider, 4% addAiProvider, 1% delete+re-add");

  private final String description;

  Workload(String description) {
    this.description = description;
  }

  /**
   * @return the operation mix in one line, for reports
   */
  public String description() {
    return description;
  }
}

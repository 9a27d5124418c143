package dev.settingsguard.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored setting.
 *
 * @param key the setting's key
 * @param value its value; {@code null} is a stored value, distinct from an absent key
 * @param updatedAt when it was last written; moves forward on every write
 * @param revision the revision of the operation that last wrote it (see {@link
 *     SettingsStore#currentRevision()}); what {@link SettingsStore#replaceSetting} compares
 */
public record Setting(String key, String value, Instant updatedAt, long revision) {

  public Setting {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** Shows the value's length rather than the value, which may be large or sensitive. */
  @Override
  public String toString() {
    return "Setting[key="
        + key
        + ", value="
        + (value == null ? "null" : "<" + value.length() + " chars>")
        + ", updatedAt="
        + updatedAt
        + ", revision="
        + revision
        + "]";
  }
}

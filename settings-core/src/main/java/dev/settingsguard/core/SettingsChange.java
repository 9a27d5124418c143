package dev.settingsguard.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One change of a committed write operation, as the change feed delivers it. It names what changed,
 * never a value or a secret: read the store for those.
 *
 * @param revision the revision of the operation that made it; one operation can make several
 *     changes, all of one revision
 * @param kind what it did
 * @param settingKey the setting's key, for {@link ChangeKind#SETTING_WRITTEN} and {@link
 *     ChangeKind#SETTING_DELETED}; otherwise {@code null}
 * @param providerId the provider's id for the provider kinds (for {@link
 *     ChangeKind#ACTIVE_PROVIDER_CHANGED} {@code null} when none is active any more); otherwise
 *     {@code null}
 * @param at when the operation ran, by the writer's clock
 */
public record SettingsChange(
    long revision, ChangeKind kind, String settingKey, Long providerId, Instant at) {

  public SettingsChange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(at, "at");
  }
}

package dev.settingsguard.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored AI-provider configuration. Its {@code toString()} masks the API key.
 *
 * @param id the provider's id: positive for every provider this library adds (a row another program
 *     wrote may hold any integer)
 * @param providerName its unique name
 * @param apiKey its secret, or {@code null} when it needs none
 * @param model the model to use, or {@code null}
 * @param active whether it is the single active provider
 * @param updatedAt when it was last added, updated or activated
 * @param revision the revision of the operation that last changed it, its activation and
 *     deactivation included; what {@link SettingsStore#updateAiProvider} compares
 */
public record AiProvider(
    long id,
    String providerName,
    ApiKey apiKey,
    String model,
    boolean active,
    Instant updatedAt,
    long revision) {

  public AiProvider {
    Objects.requireNonNull(providerName, "providerName");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}

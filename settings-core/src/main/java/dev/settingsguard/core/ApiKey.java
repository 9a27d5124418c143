package dev.settingsguard.core;

import dev.settingsguard.core.internal.InputRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A provider's secret. It is shown only by {@link #reveal()}; {@link #toString()} masks it.
 *
 * <p>Equality compares the secrets in constant time.
 */
public final class ApiKey {

  /** Keys shorter than this show no characters at all in {@link #toString()}. */
  private static final int SHOWN_TAIL_MIN_LENGTH = 12;

  private static final int SHOWN_TAIL = 4;

  private final String secret;

  private ApiKey(String secret) {
    this.secret = secret;
  }

  /**
   * Wraps a secret.
   *
   * @param secret the secret, at most 4096 characters
   * @return the wrapped key
   * @throws InvalidInputException if the secret is {@code null} or too long (the message never
   *     contains the secret)
   */
  public static ApiKey of(String secret) {
    InputRules.apiKey(secret);
    return new ApiKey(secret);
  }

  /**
   * Wraps a secret read from storage. Unlike {@link #of}, it applies no input rule: a row that
   * another program wrote is returned as it is stored, and the input rules guard only what this
   * library writes.
   *
   * @param secret the stored secret
   * @return the wrapped key
   * @throws NullPointerException if the secret is {@code null}
   */
  public static ApiKey ofStored(String secret) {
    return new ApiKey(Objects.requireNonNull(secret, "secret"));
  }

  /**
   * Returns the secret itself, for the single place that sends it to the provider.
   *
   * @return the secret
   */
  public String reveal() {
    return secret;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ApiKey that
        && MessageDigest.isEqual(
            secret.getBytes(StandardCharsets.UTF_8), that.secret.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    // A constant: a hash derived from the secret would leak information about it.
    return ApiKey.class.hashCode();
  }

  /** Shows at most the last four characters, and none for keys shorter than twelve. */
  @Override
  public String toString() {
    if (secret.length() < SHOWN_TAIL_MIN_LENGTH) {
      return "ApiKey[****]";
    }
    return "ApiKey[****" + secret.substring(secret.length() - SHOWN_TAIL) + "]";
  }
}

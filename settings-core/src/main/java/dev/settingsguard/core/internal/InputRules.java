package dev.settingsguard.core.internal;

import dev.settingsguard.core.InvalidInputException;
import java.util.Map;

/**
 * The input rules of the port. Each check throws {@link InvalidInputException} naming the field and
 * the rule; no message ever contains the checked value.
 *
 * <p>Implementations call these before any I/O, so bad input changes nothing.
 */
public final class InputRules {

  private static final int MAX_KEY_LENGTH = 256;
  private static final int MAX_VALUE_LENGTH = 1024 * 1024;
  private static final int MAX_PROVIDER_NAME_LENGTH = 100;
  private static final int MAX_MODEL_LENGTH = 200;
  private static final int MAX_API_KEY_LENGTH = 4096;

  private InputRules() {}

  /** Setting key: not null, not blank, at most 256 chars, no control chars, well-formed UTF-16. */
  public static void settingKey(String key) {
    requireName("key", key, MAX_KEY_LENGTH);
  }

  /** Setting value: null allowed, at most 1 MiB of characters, well-formed UTF-16. */
  public static void settingValue(String value) {
    if (value == null) {
      return;
    }
    requireMaxLength("value", value, MAX_VALUE_LENGTH);
    requireWellFormed("value", value);
  }

  /** Every key and value of a batch, checked before anything of the batch is written. */
  public static void settings(Map<String, String> entries) {
    if (entries == null) {
      throw new InvalidInputException("entries", "must not be null");
    }
    for (Map.Entry<String, String> entry : entries.entrySet()) {
      settingKey(entry.getKey());
      settingValue(entry.getValue());
    }
  }

  /** Provider name: not null, not blank, at most 100 chars, no control chars, well-formed. */
  public static void providerName(String providerName) {
    requireName("providerName", providerName, MAX_PROVIDER_NAME_LENGTH);
  }

  /** Model: null allowed, at most 200 chars, well-formed UTF-16. */
  public static void model(String model) {
    if (model == null) {
      return;
    }
    requireMaxLength("model", model, MAX_MODEL_LENGTH);
    requireWellFormed("model", model);
  }

  /**
   * What an API key stored encrypted starts with; no key in clear may, or it would be taken for
   * one.
   */
  public static final String ENCRYPTED_API_KEY_PREFIX = "sg-aead-v1:";

  /**
   * API key secret: not null (an absent key is a null {@code ApiKey}), at most 4096 chars, not
   * starting with {@link #ENCRYPTED_API_KEY_PREFIX}.
   */
  public static void apiKey(String secret) {
    if (secret == null) {
      throw new InvalidInputException("apiKey", "must not be null (pass no ApiKey instead)");
    }
    if (secret.startsWith(ENCRYPTED_API_KEY_PREFIX)) {
      throw new InvalidInputException(
          "apiKey",
          "must not start with "
              + ENCRYPTED_API_KEY_PREFIX
              + ", the mark of a key stored encrypted");
    }
    requireMaxLength("apiKey", secret, MAX_API_KEY_LENGTH);
    requireWellFormed("apiKey", secret);
  }

  /** Provider id: positive. */
  public static void providerId(long id) {
    if (id <= 0) {
      throw new InvalidInputException("id", "must be positive");
    }
  }

  /**
   * @param field the argument's name, e.g. {@code expectedRevision}
   * @param revision a revision the caller passed
   */
  public static void revision(String field, long revision) {
    if (revision < 0) {
      throw new InvalidInputException(field, "must not be negative");
    }
  }

  /**
   * @param listener a change listener
   */
  public static void listener(Object listener) {
    if (listener == null) {
      throw new InvalidInputException("listener", "must not be null");
    }
  }

  private static void requireName(String field, String name, int maxLength) {
    if (name == null) {
      throw new InvalidInputException(field, "must not be null");
    }
    if (name.isBlank()) {
      throw new InvalidInputException(field, "must not be blank");
    }
    requireMaxLength(field, name, maxLength);
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw new InvalidInputException(
            field, "must not contain control characters (found one at index " + i + ")");
      }
    }
    requireWellFormed(field, name);
  }

  private static void requireMaxLength(String field, String text, int maxLength) {
    if (text.length() > maxLength) {
      throw new InvalidInputException(
          field, "must be at most " + maxLength + " characters (was " + text.length() + ")");
    }
  }

  /**
   * Rejects a high surrogate not followed by a low one, and a low surrogate not preceded by one.
   */
  private static void requireWellFormed(String field, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidInputException(
            field, "must not contain an unpaired UTF-16 surrogate (found one at index " + i + ")");
      }
    }
  }
}

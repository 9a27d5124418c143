package dev.settingsguard.jdbi;

import dev.settingsguard.core.internal.InputRules;
import dev.settingsguard.jdbi.internal.TinkAead;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys that encrypt providers' API keys at rest: a Google Tink AEAD keyset, in Tink's JSON
 * keyset format. A stored key is {@value #SEALED_PREFIX} and the Base64 of Tink's ciphertext, whose
 * associated data is the table, the column and the provider's name, each length-prefixed, so that a
 * ciphertext copied to another row does not decrypt. Tink puts the id of the key that encrypted in
 * front of each ciphertext, so every key of the keyset decrypts what it encrypted, and the primary
 * key encrypts.
 *
 * <p>Tink ({@value #TINK_ARTIFACT}) is an optional dependency: without it on the class path, every
 * factory here throws {@link IllegalStateException} naming it. No method or {@link #toString} shows
 * key material; the keyset's key ids are public by Tink's design.
 */
public final class SecretKeys {

  /** The Maven coordinates that secret keys need on the class path. */
  public static final String TINK_ARTIFACT = "com.google.crypto.tink:tink";

  /** What a stored key that this class encrypted starts with; no key in clear may. */
  public static final String SEALED_PREFIX = InputRules.ENCRYPTED_API_KEY_PREFIX;

  /** A keyset of a few keys is about 200 bytes per key; a file far larger is not one. */
  private static final long MAX_KEYSET_FILE_BYTES = 1 << 20;

  private static final byte[] TABLE = "ai_providers".getBytes(StandardCharsets.UTF_8);
  private static final byte[] COLUMN = "api_key".getBytes(StandardCharsets.UTF_8);

  private static final Set<PosixFilePermission> OTHERS_MAY_READ =
      EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

  private static final Logger LOG = LoggerFactory.getLogger(SecretKeys.class);

  private final TinkAead aead;

  private SecretKeys(TinkAead aead) {
    this.aead = aead;
  }

  /**
   * @param keysetJson a Tink AEAD keyset in Tink's JSON keyset format, in clear, as from an
   *     environment variable or a secret manager
   * @return the keys
   * @throws IllegalArgumentException if it is not such a keyset; the message never quotes it
   * @throws IllegalStateException if Tink is not on the class path, naming {@value #TINK_ARTIFACT}
   */
  public static SecretKeys fromJson(String keysetJson) {
    Objects.requireNonNull(keysetJson, "keysetJson");
    requireTink();
    try {
      return new SecretKeys(TinkAead.parse(keysetJson));
    } catch (NoClassDefFoundError missing) {
      throw new IllegalStateException(
          "Secret keys need "
              + TINK_ARTIFACT
              + " and its dependencies (com.google.protobuf:protobuf-java,"
              + " com.google.code.gson:gson) on the class path: "
              + missing.getMessage());
    } catch (GeneralSecurityException | RuntimeException notAKeyset) {
      // Neither the keyset nor the parser's message, which can quote it, is shown.
      throw new IllegalArgumentException(
          "The secret keys are not a Tink AEAD keyset in Tink's JSON keyset format ("
              + notAKeyset.getClass().getSimpleName()
              + ")");
    }
  }

  /**
   * Reads a keyset file, such as a secret manager's mounted file, which may be a symbolic link. It
   * must be a regular file; a keyset file that others than its owner may read is read, with a
   * warning.
   *
   * @param keysetJsonFile a file that holds a Tink AEAD keyset in Tink's JSON keyset format
   * @return the keys
   * @throws IllegalArgumentException naming the file if it is not a regular file of at most 1 MiB
   *     that holds such a keyset, or cannot be read
   * @throws IllegalStateException if Tink is not on the class path, naming {@value #TINK_ARTIFACT}
   */
  public static SecretKeys fromFile(Path keysetJsonFile) {
    Objects.requireNonNull(keysetJsonFile, "keysetJsonFile");
    requireTink();
    // A FIFO or a device would block the read, or never end it.
    if (!Files.isRegularFile(keysetJsonFile)) {
      throw new IllegalArgumentException(
          "The secret keys file " + keysetJsonFile + " is not a regular file");
    }
    warnIfOthersMayRead(keysetJsonFile);
    byte[] content;
    try (InputStream in = Files.newInputStream(keysetJsonFile)) {
      content = in.readNBytes((int) MAX_KEYSET_FILE_BYTES + 1);
    } catch (IOException unreadable) {
      throw new IllegalArgumentException(
          "Cannot read the secret keys file " + keysetJsonFile + ": " + unreadable.getMessage());
    }
    if (content.length > MAX_KEYSET_FILE_BYTES) {
      throw new IllegalArgumentException(
          "The secret keys file " + keysetJsonFile + " is larger than a keyset can be (1 MiB)");
    }
    try {
      return fromJson(new String(content, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException notAKeyset) {
      throw new IllegalArgumentException(
          "The secret keys file " + keysetJsonFile + ": " + notAKeyset.getMessage());
    }
  }

  /**
   * Makes a new keyset of one AES-256-GCM key, for users who have none. Keep it where the
   * application's other secrets are: an environment variable, a secret manager's mounted file, or a
   * file of mode 0600; never beside the database, and never in source control.
   *
   * @return the keyset in Tink's JSON keyset format, in clear
   * @throws IllegalStateException if Tink is not on the class path, naming {@value #TINK_ARTIFACT}
   */
  public static String newKeysetJson() {
    requireTink();
    try {
      return TinkAead.newKeysetJson();
    } catch (GeneralSecurityException failure) {
      throw new IllegalStateException("Tink could not generate a key", failure);
    }
  }

  /**
   * @param stored a stored API key
   * @return whether it is one that secret keys encrypted
   */
  public static boolean isSealed(String stored) {
    return stored.startsWith(SEALED_PREFIX);
  }

  /**
   * @param providerName the name of the provider whose row the key is stored in
   * @param apiKey the key in clear
   * @return the key encrypted under the primary key, as stored
   */
  String seal(String providerName, String apiKey) {
    try {
      byte[] ciphertext =
          aead.encrypt(apiKey.getBytes(StandardCharsets.UTF_8), associatedData(providerName));
      return SEALED_PREFIX + Base64.getEncoder().encodeToString(ciphertext);
    } catch (GeneralSecurityException failure) {
      // Tink's encryption fails only for a broken keyset; its message holds no key material.
      throw new IllegalStateException("Tink could not encrypt an API key", failure);
    }
  }

  /**
   * @param providerName the name of the provider whose row the key is stored in
   * @param sealed what {@link #seal} stored
   * @return the key in clear
   * @throws GeneralSecurityException if no key of the keyset decrypts it for this row
   */
  String open(String providerName, String sealed) throws GeneralSecurityException {
    byte[] ciphertext;
    try {
      ciphertext = Base64.getDecoder().decode(sealed.substring(SEALED_PREFIX.length()));
    } catch (IllegalArgumentException notBase64) {
      throw new GeneralSecurityException("not Base64");
    }
    return new String(
        aead.decrypt(ciphertext, associatedData(providerName)), StandardCharsets.UTF_8);
  }

  /** Shows the key ids only. */
  @Override
  public String toString() {
    return "SecretKeys[primary key id "
        + Integer.toUnsignedString(aead.primaryKeyId())
        + ", "
        + aead.keyCount()
        + " keys]";
  }

  /** Table, column and provider name, each as a 4-byte length and its UTF-8 bytes. */
  private static byte[] associatedData(String providerName) {
    byte[] name = providerName.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(12 + TABLE.length + COLUMN.length + name.length)
        .putInt(TABLE.length)
        .put(TABLE)
        .putInt(COLUMN.length)
        .put(COLUMN)
        .putInt(name.length)
        .put(name)
        .array();
  }

  private static void requireTink() {
    try {
      Class.forName("com.google.crypto.tink.Aead", false, SecretKeys.class.getClassLoader());
    } catch (ClassNotFoundException missing) {
      throw new IllegalStateException(
          "Secret keys need " + TINK_ARTIFACT + " on the class path: add it as a dependency");
    }
  }

  private static void warnIfOthersMayRead(Path file) {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    try {
      Set<PosixFilePermission> permissions = view.readAttributes().permissions();
      if (permissions.stream().anyMatch(OTHERS_MAY_READ::contains)) {
        LOG.warn(
            "The secret keys file {} may be read by others than its owner; make it mode 0600",
            file);
      }
    } catch (IOException unreadable) {
      // Reading the file itself says what is wrong.
    }
  }
}

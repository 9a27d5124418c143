package dev.settingsguard.tests.support;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.settingsguard.jdbi.SecretKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Tink keysets for rotation tests, and API keys to store and look for. */
public final class Keysets {

  /** The length of the pieces of a key that must not appear in storage. */
  public static final int PIECE = 8;

  private Keysets() {}

  /**
   * @return a new keyset of one key, as JSON
   */
  public static String newKeyset() {
    return SecretKeys.newKeysetJson();
  }

  /**
   * @param keysetJson a keyset
   * @return the keyset with one more key, which is primary: step 1 of a rotation
   */
  public static String withNewPrimary(String keysetJson) {
    try {
      KeysetHandle.Builder builder = KeysetHandle.newBuilder(parse(keysetJson));
      builder.addEntry(
          KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
              .withRandomId()
              .makePrimary());
      return serialize(builder.build());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @param keysetJson a keyset
   * @return the keyset with its primary key only: the last step of a rotation
   */
  public static String primaryOnly(String keysetJson) {
    try {
      KeysetHandle.Builder builder = KeysetHandle.newBuilder(parse(keysetJson));
      for (int i = builder.size() - 1; i >= 0; i--) {
        if (!builder.getAt(i).isPrimary()) {
          builder.deleteAt(i);
        }
      }
      return serialize(builder.build());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @param directory where to write it
   * @param name the file's name
   * @param keysetJson the keyset
   * @return a file of mode 0600 holding it
   * @throws IOException if it cannot be written
   */
  public static Path writeFile(Path directory, String name, String keysetJson) throws IOException {
    Path file =
        Files.createFile(
            directory.resolve(name),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    return Files.writeString(file, keysetJson);
  }

  /**
   * @param providerName a provider's name
   * @return an API key for it that has nothing in common with its name: 40 hex digits of its hash
   */
  public static String apiKeyFor(String providerName) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(("api key of " + providerName).getBytes(StandardCharsets.UTF_8));
      return "sk-" + HexFormat.of().formatHex(hash).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @param secret what must not appear
   * @param stored what storage holds, as text
   * @return every {@value #PIECE}-character piece of the secret that appears in it
   */
  public static List<String> piecesFound(String secret, String stored) {
    List<String> found = new ArrayList<>();
    for (int i = 0; i + PIECE <= secret.length(); i++) {
      String piece = secret.substring(i, i + PIECE);
      if (stored.contains(piece)) {
        found.add(piece);
      }
    }
    return found;
  }

  private static KeysetHandle parse(String keysetJson) throws GeneralSecurityException {
    return TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get());
  }

  private static String serialize(KeysetHandle keyset) throws GeneralSecurityException {
    return TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get());
  }
}

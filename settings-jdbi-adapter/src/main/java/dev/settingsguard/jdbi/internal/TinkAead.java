package dev.settingsguard.jdbi.internal;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.security.GeneralSecurityException;

/**
 * The one class that calls Google Tink: a keyset's AEAD primitive. Loaded only once the caller has
 * checked that Tink is on the class path, since Tink is an optional dependency. Registers Tink's
 * AEAD key types in Tink's global registry, which is idempotent, before each use of it.
 */
public final class TinkAead {

  private final Aead aead;
  private final int primaryKeyId;
  private final int keyCount;

  private TinkAead(KeysetHandle keyset) throws GeneralSecurityException {
    this.aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
    this.primaryKeyId = keyset.getPrimary().getId();
    this.keyCount = keyset.size();
  }

  /**
   * @param keysetJson a keyset in Tink's JSON keyset format, in clear
   * @return its AEAD primitive
   * @throws GeneralSecurityException if it is no such keyset, or holds keys that are not AEAD keys
   */
  public static TinkAead parse(String keysetJson) throws GeneralSecurityException {
    AeadConfig.register();
    return new TinkAead(
        TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get()));
  }

  /**
   * @return a new keyset of one AES-256-GCM key, in Tink's JSON keyset format, in clear
   * @throws GeneralSecurityException if Tink cannot generate the key
   */
  public static String newKeysetJson() throws GeneralSecurityException {
    AeadConfig.register();
    return TinkJsonProtoKeysetFormat.serializeKeyset(
        KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM),
        InsecureSecretKeyAccess.get());
  }

  /**
   * @param plaintext what to encrypt
   * @param associatedData what the ciphertext is bound to
   * @return the ciphertext, under the primary key, with the key's id in front
   * @throws GeneralSecurityException if Tink fails
   */
  public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
    return aead.encrypt(plaintext, associatedData);
  }

  /**
   * @param ciphertext what {@link #encrypt} returned, under any key of the keyset
   * @param associatedData what it was bound to
   * @return the plaintext
   * @throws GeneralSecurityException if no key of the keyset decrypts it with this associated data
   */
  public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
    return aead.decrypt(ciphertext, associatedData);
  }

  /**
   * @return the id of the key that encrypts, which a keyset shows openly
   */
  public int primaryKeyId() {
    return primaryKeyId;
  }

  /**
   * @return how many keys the keyset holds
   */
  public int keyCount() {
    return keyCount;
  }
}

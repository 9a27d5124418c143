package dev.settingsguard.tests.support;

import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import java.nio.file.Path;

/**
 * A child JVM that uses the plain API, {@code SettingsStores.open}, for a test that leaves optional
 * dependencies off its class path.
 *
 * <p>Argument: a SQLite file. Prints {@code ABSENT} and the optional classes the class path lacks
 * (Guice, Tink); {@code PLAIN ok} when a provider with a key was written and read back; then {@code
 * KEYS} and what {@code secretKeys(…)} did: {@code accepted}, or the exception it threw.
 */
public final class PlainApiProcess {

  private PlainApiProcess() {}

  public static void main(String[] args) {
    StringBuilder absent = new StringBuilder("ABSENT");
    for (String optional :
        new String[] {"com.google.inject.Guice", "com.google.crypto.tink.Aead"}) {
      try {
        Class.forName(optional);
      } catch (ClassNotFoundException missing) {
        absent.append(' ').append(optional);
      }
    }
    System.out.println(absent);
    Path file = Path.of(args[0]);
    try (SettingsStore store =
        SettingsStores.open(SettingsConfig.builder().database(file).build())) {
      store.addAiProvider("plain", ApiKey.of("sk-plain-key"), null);
      boolean read =
          store.getActiveProvider().orElseThrow().apiKey().reveal().equals("sk-plain-key");
      System.out.println("PLAIN " + (read ? "ok" : "wrong key"));
    } catch (RuntimeException | LinkageError failure) {
      System.out.println("PLAIN " + failure);
    }
    try {
      SettingsConfig.builder().database(file).secretKeys("{}");
      System.out.println("KEYS accepted");
    } catch (RuntimeException | LinkageError failure) {
      System.out.println("KEYS " + failure);
    }
    System.out.flush();
  }
}

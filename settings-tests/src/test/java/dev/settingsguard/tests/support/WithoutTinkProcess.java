package dev.settingsguard.tests.support;

import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import java.nio.file.Path;

/**
 * A child JVM run without Tink on its class path: a store without secret keys works, and asking for
 * secret keys fails at once naming the artifact.
 *
 * <p>Argument: a SQLite file. Prints {@code PLAIN ok} when a provider with a key was written and
 * read back, then {@code KEYS} and the exception that {@code secretKeys(…)} threw.
 */
public final class WithoutTinkProcess {

  private WithoutTinkProcess() {}

  public static void main(String[] args) {
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

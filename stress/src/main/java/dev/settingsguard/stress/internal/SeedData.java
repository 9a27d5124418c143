package dev.settingsguard.stress.internal;

import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.time.Duration;
import java.util.SplittableRandom;

/** The rows every measurement starts from, and the names and keys the workloads pick from. */
public final class SeedData {

  /** How many providers are seeded; the last one added is active. */
  public static final int PROVIDERS = 4;

  /** How many settings are seeded. */
  public static final int SETTINGS = 32;

  private static final ApiKey KEY = ApiKey.of("sk-stress-0123456789abcdef");

  private SeedData() {}

  /**
   * Creates the schema and writes the seed rows through the library's default chain.
   *
   * @param database the database, empty
   * @param synchronous the commit durability, for SQLite
   */
  public static void write(StressDatabase database, Synchronous synchronous) {
    try (SettingsStore store =
        Contender.DEFAULT.open(database, synchronous, Duration.ofSeconds(5))) {
      for (int i = 0; i < SETTINGS; i++) {
        store.setSetting(settingKey(i), "value-" + i);
      }
      for (int i = 0; i < PROVIDERS; i++) {
        store.addAiProvider(providerName(i), KEY, "model-" + i);
      }
    }
  }

  /**
   * @param random the thread's random source
   * @return one of the seeded setting keys
   */
  public static String randomSettingKey(SplittableRandom random) {
    return settingKey(random.nextInt(SETTINGS));
  }

  /**
   * @param random the thread's random source
   * @return one of the seeded provider names
   */
  public static String randomProviderName(SplittableRandom random) {
    return providerName(random.nextInt(PROVIDERS));
  }

  /**
   * @return the API key every seeded or re-added provider gets
   */
  public static ApiKey apiKey() {
    return KEY;
  }

  /**
   * @param index 0 to {@link #SETTINGS} - 1
   * @return the seeded setting key with that index
   */
  public static String settingKey(int index) {
    return String.format("key-%02d", index);
  }

  /**
   * @param index from 0 to {@link #PROVIDERS} - 1
   * @return the name of that seeded provider
   */
  public static String providerName(int index) {
    return "provider-" + index;
  }
}

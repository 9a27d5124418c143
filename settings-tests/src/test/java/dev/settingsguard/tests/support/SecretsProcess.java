package dev.settingsguard.tests.support;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsStores;
import java.nio.file.Path;
import java.util.List;

/**
 * A child JVM that opens a store with secret keys and checks that every provider's key reads back
 * as {@link Keysets#apiKeyFor} its name.
 *
 * <p>Arguments: database (a file or a PostgreSQL URL), keyset file, command. {@code open}: says
 * {@code READY}, waits for {@code GO} ({@link StartSignal}), opens, checks. {@code rotate}: opens,
 * checks, adds provider {@code added-by-rotation}, calls {@code reencryptSecrets()}. Both end with
 * {@code RESULT matching=N total=M}, {@code rotate} with {@code rewritten=R} after it, or with
 * {@code FAILED} and the exception.
 */
public final class SecretsProcess {

  /** The provider that {@code rotate} adds. */
  public static final String ADDED = "added-by-rotation";

  private SecretsProcess() {}

  public static void main(String[] args) throws Exception {
    TestDatabase database = TestDatabase.fromArgument(args[0]);
    Path keyset = Path.of(args[1]);
    String command = args[2];
    if (command.equals("open")) {
      StartSignal.announceReadyAndAwaitGo();
    }
    try (SettingsStore store =
        SettingsStores.open(database.builder(Chain.DEFAULT).secretKeys(keyset).build())) {
      String rewritten = "";
      if (command.equals("rotate")) {
        store.addAiProvider(ADDED, ApiKey.of(Keysets.apiKeyFor(ADDED)), null);
        rewritten = " rewritten=" + store.reencryptSecrets();
      }
      List<AiProvider> providers = store.listAiProviders();
      long matching =
          providers.stream()
              .filter(p -> p.apiKey().reveal().equals(Keysets.apiKeyFor(p.providerName())))
              .count();
      System.out.println("RESULT matching=" + matching + " total=" + providers.size() + rewritten);
    } catch (RuntimeException failure) {
      System.out.println("FAILED " + failure);
    }
    System.out.flush();
  }
}

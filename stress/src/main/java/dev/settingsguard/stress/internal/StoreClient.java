package dev.settingsguard.stress.internal;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsException;
import dev.settingsguard.core.SettingsStore;
import java.util.SplittableRandom;

/** Runs a workload's operations on the library's store, shared by every thread of the process. */
final class StoreClient implements LoadClient {

  private final SettingsStore store;
  private final Workload workload;
  private long[] providerIds;

  StoreClient(SettingsStore store, Workload workload) {
    this.store = store;
    this.workload = workload;
    this.providerIds = currentProviderIds();
  }

  @Override
  public Outcome runOne(SplittableRandom random) {
    try {
      if (workload == Workload.ACTIVATE) {
        activate(random);
      } else {
        mixed(random);
      }
      return Outcome.DONE;
    } catch (ProviderNotFoundException replaced) {
      // Another thread or process deleted and re-added it under a new id: a correct answer.
      providerIds = currentProviderIds();
      return Outcome.DONE;
    } catch (SettingsBusyException busy) {
      return Outcome.BUSY;
    } catch (SettingsException failure) {
      return Outcome.FAILED;
    }
  }

  /** The percentages are documented on {@link Workload#MIX}. */
  private void mixed(SplittableRandom random) {
    int dice = random.nextInt(100);
    if (dice < 40) {
      store.getActiveProvider();
    } else if (dice < 70) {
      store.getSetting(SeedData.randomSettingKey(random));
    } else if (dice < 80) {
      store.listAiProviders();
    } else if (dice < 90) {
      store.setSetting(SeedData.randomSettingKey(random), "value-" + random.nextInt());
    } else if (dice < 95) {
      activate(random);
    } else if (dice < 99) {
      store.addAiProvider(
          SeedData.randomProviderName(random), SeedData.apiKey(), "model-" + random.nextInt(8));
    } else {
      replace(SeedData.randomProviderName(random));
    }
  }

  private void activate(SplittableRandom random) {
    if (providerIds.length == 0) {
      // Concurrent delete-and-re-adds can briefly leave none; look again next time.
      providerIds = currentProviderIds();
      return;
    }
    store.setActiveProvider(providerIds[random.nextInt(providerIds.length)]);
  }

  private void replace(String name) {
    store.listAiProviders().stream()
        .filter(provider -> provider.providerName().equals(name))
        .findFirst()
        .ifPresent(provider -> store.deleteAiProvider(provider.id()));
    store.addAiProvider(name, SeedData.apiKey(), "model-0");
  }

  private long[] currentProviderIds() {
    return store.listAiProviders().stream().mapToLong(AiProvider::id).toArray();
  }

  /** The store belongs to the process's {@link LoadTarget}, which closes it. */
  @Override
  public void close() {}
}

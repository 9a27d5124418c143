package dev.settingsguard.stress.jmh;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.SecretKeys;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.stress.internal.SeedData;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What encrypting API keys at rest costs: {@code addAiProvider} (an upsert that encrypts the key)
 * and {@code getActiveProvider} (a read that decrypts it), on the default chain, without and with
 * secret keys, uncached and cached; one thread, nothing else writing.
 *
 * <p>Run: {@code java -jar stress/target/benchmarks.jar SecretsCost}; on PostgreSQL add {@code -p
 * backend=POSTGRES}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SecretsCost {

  /** One store on a seeded database of its own. */
  @State(Scope.Thread)
  public static class Store {
    @Param({"false", "true"})
    boolean secretKeys;

    @Param({"false", "true"})
    boolean cached;

    SettingsStore store;
    int next;

    @Setup
    public void open(DecoratorOverhead.Host host) {
      SettingsConfig.Builder builder =
          host.newSeededDatabase()
              .configure(SettingsConfig.builder(), Synchronous.NORMAL)
              .lockTimeout(Duration.ofSeconds(5))
              .cachedReads(cached);
      if (secretKeys) {
        builder.secretKeys(SecretKeys.newKeysetJson());
      }
      store = SettingsStores.open(builder.build());
    }

    @TearDown
    public void close() {
      store.close();
    }
  }

  @Benchmark
  public Optional<AiProvider> getActiveProvider(Store state) {
    return state.store.getActiveProvider();
  }

  /** Upserts the seeded providers in turn, each with the seeded key, which makes it active. */
  @Benchmark
  public AiProvider addAiProvider(Store state) {
    return state.store.addAiProvider(
        SeedData.providerName(state.next++ % SeedData.PROVIDERS), SeedData.apiKey(), "model");
  }
}

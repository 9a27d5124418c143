package dev.settingsguard.stress.jmh;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.stress.internal.Contender;
import dev.settingsguard.stress.internal.RawJdbcClient;
import dev.settingsguard.stress.internal.SeedData;
import dev.settingsguard.stress.internal.TempFiles;
import java.nio.file.Path;
import java.sql.SQLException;
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
 * What each decorator costs per operation, one thread, no contention: setActiveProvider (the write
 * path every strategy guards) and getActiveProvider (a read, which every strategy passes straight
 * through), beside the raw-JDBC baseline of the same write.
 *
 * <p>Run: {@code java -jar stress/target/benchmarks.jar DecoratorOverhead}. The defaults are short
 * (2 x 1 s warm-up, 3 x 1 s measurement, one fork) for a quick comparison; add {@code -wi 5 -i 10
 * -f 3} for a careful one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DecoratorOverhead {

  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

  /** A seeded database file in its own directory, deleted after the trial. */
  abstract static class SeededDatabase {
    Path directory;
    Path database;
    long[] providerIds;
    int next;

    void seed() {
      directory = TempFiles.createDirectory("settings-jmh-");
      database = directory.resolve("bench.db");
      SeedData.write(database, Synchronous.NORMAL);
    }

    /** Cycles through the providers so every call really moves the active flag. */
    long nextProviderId() {
      return providerIds[next++ % providerIds.length];
    }

    void delete() {
      TempFiles.deleteTree(directory);
    }
  }

  /** The library's store configured as one contender. */
  @State(Scope.Thread)
  public static class Store extends SeededDatabase {
    @Param({"NONE", "JVM_LOCK", "FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT"})
    Contender contender;

    SettingsStore store;

    @Setup
    public void open() {
      seed();
      store = contender.open(database, Synchronous.NORMAL, LOCK_TIMEOUT);
      providerIds = store.listAiProviders().stream().mapToLong(AiProvider::id).toArray();
    }

    @TearDown
    public void close() {
      store.close();
      delete();
    }
  }

  /** Plain sqlite-jdbc running the default chain's statements. */
  @State(Scope.Thread)
  public static class Raw extends SeededDatabase {
    RawJdbcClient client;

    @Setup
    public void open() {
      seed();
      client = new RawJdbcClient(database, Synchronous.NORMAL, LOCK_TIMEOUT);
      providerIds = client.providerIds();
    }

    @TearDown
    public void close() {
      client.close();
      delete();
    }
  }

  @Benchmark
  public AiProvider setActiveProvider(Store state) {
    return state.store.setActiveProvider(state.nextProviderId());
  }

  @Benchmark
  public Optional<AiProvider> getActiveProvider(Store state) {
    return state.store.getActiveProvider();
  }

  @Benchmark
  public void rawJdbcSetActiveProvider(Raw state) throws SQLException {
    state.client.activate(state.nextProviderId());
  }
}

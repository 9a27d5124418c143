package dev.settingsguard.stress.jmh;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.stress.internal.Backend;
import dev.settingsguard.stress.internal.Contender;
import dev.settingsguard.stress.internal.DatabaseHost;
import dev.settingsguard.stress.internal.RawJdbcClient;
import dev.settingsguard.stress.internal.SeedData;
import dev.settingsguard.stress.internal.StressDatabase;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * through), beside the raw-JDBC baseline of the same write: the minimal hand-written transaction.
 *
 * <p>Run on SQLite: {@code java -jar stress/target/benchmarks.jar DecoratorOverhead}. On PostgreSQL
 * (a throwaway local server that flushes commits, or the database {@code
 * SETTINGS_GUARD_POSTGRES_URL} names): add {@code -p backend=POSTGRES -p
 * contender=NONE,JVM_LOCK,POSTGRES_ADVISORY_LOCK,DEFAULT}. The defaults are short (2 x 1 s warm-up,
 * 3 x 1 s measurement, one fork) for a quick comparison; add {@code -wi 5 -i 10 -f 3} for a careful
 * one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DecoratorOverhead {

  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

  /** Where the databases live for the whole trial. */
  @State(Scope.Benchmark)
  public static class Host {
    @Param({"SQLITE"})
    Backend backend;

    DatabaseHost host;
    private final AtomicInteger databases = new AtomicInteger();

    @Setup
    public void start() {
      host =
          backend == Backend.POSTGRES
              ? DatabaseHost.postgres(System.getenv("SETTINGS_GUARD_POSTGRES_URL"))
              : DatabaseHost.sqlite();
    }

    StressDatabase newSeededDatabase() {
      StressDatabase database = host.create("bench-" + databases.incrementAndGet());
      SeedData.write(database, Synchronous.NORMAL);
      return database;
    }

    @TearDown
    public void stop() {
      host.close();
    }
  }

  /** Cycles through the providers so every call really moves the active flag. */
  abstract static class Providers {
    long[] providerIds;
    int next;

    long nextProviderId() {
      return providerIds[next++ % providerIds.length];
    }
  }

  /** The library's store configured as one contender. */
  @State(Scope.Thread)
  public static class Store extends Providers {
    @Param({"NONE", "JVM_LOCK", "FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT"})
    Contender contender;

    SettingsStore store;

    @Setup
    public void open(Host host) {
      store = contender.open(host.newSeededDatabase(), Synchronous.NORMAL, LOCK_TIMEOUT);
      providerIds = store.listAiProviders().stream().mapToLong(AiProvider::id).toArray();
    }

    @TearDown
    public void close() {
      store.close();
    }
  }

  /** Plain JDBC running the minimal transaction. */
  @State(Scope.Thread)
  public static class Raw extends Providers {
    RawJdbcClient client;

    @Setup
    public void open(Host host) {
      client = RawJdbcClient.open(host.newSeededDatabase(), Synchronous.NORMAL, LOCK_TIMEOUT);
      providerIds = client.providerIds();
    }

    @TearDown
    public void close() {
      client.close();
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

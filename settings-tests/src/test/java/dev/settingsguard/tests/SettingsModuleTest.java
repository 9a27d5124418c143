package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.Stage;
import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsModule;
import dev.settingsguard.locking.Strategy;
import dev.settingsguard.tests.support.ActiveProviderWatcher;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.BarrierRun;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.Outcome;
import dev.settingsguard.tests.support.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Installing {@link SettingsModule}: the bound chain, laziness, and two injectors on one file. */
class SettingsModuleTest {

  private static final int THREADS = 12;
  private static final int ACTIVATIONS_PER_THREAD = 25;

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void bindsJvmLockAroundSqliteImmediateByDefault(@TempDir Path dir) throws Exception {
    Path db = dir.toRealPath().resolve("settings.db");
    Injector injector =
        Guice.createInjector(new SettingsModule(SettingsConfig.builder().database(db).build()));
    try (SettingsStore store = injector.getInstance(SettingsStore.class)) {
      assertThat(store).hasToString("JvmLock(SqliteImmediate(JdbiSettingsStore[" + db + "]))");
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void bindsJvmLockAroundThePostgresAdvisoryLockByDefaultOnPostgres(@TempDir Path dir) {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    Injector injector =
        Guice.createInjector(
            new SettingsModule(SettingsConfig.builder().postgres(db.jdbcUrl()).build()));
    try (SettingsStore store = injector.getInstance(SettingsStore.class)) {
      assertThat(store.toString())
          .startsWith("JvmLock(PostgresAdvisoryLock(JdbiSettingsStore[postgresql://")
          .endsWith("(schema public)]))");
      assertThat(store.addAiProvider("p", null, null).active()).isTrue();
    }
  }

  static Stream<Arguments> everyOrderOfTheThreeStrategies() {
    List<Strategy> three =
        List.of(Strategy.JVM_LOCK, Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE);
    List<Arguments> orders = new ArrayList<>();
    for (Strategy first : three) {
      for (Strategy second : three) {
        for (Strategy third : three) {
          if (first != second && second != third && first != third) {
            orders.add(Arguments.of(List.of(first, second, third)));
          }
        }
      }
    }
    return orders.stream();
  }

  @ParameterizedTest
  @MethodSource("everyOrderOfTheThreeStrategies")
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void composesJvmLockThenFileLockThenSqliteImmediateWhateverTheOrderGiven(
      List<Strategy> order, @TempDir Path dir) throws Exception {
    Path db = dir.toRealPath().resolve("settings.db");
    try (SettingsStore store = storeFrom(db, order.toArray(Strategy[]::new))) {
      assertThat(store)
          .hasToString("JvmLock(FileLock(SqliteImmediate(JdbiSettingsStore[" + db + "])))");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "NONE                       | %s",
        "SQLITE_IMMEDIATE           | SqliteImmediate(%s)",
        "JVM_LOCK                   | JvmLock(SqliteDeferred(%s))",
        "FILE_LOCK                  | FileLock(SqliteDeferred(%s))",
        "FILE_LOCK JVM_LOCK         | JvmLock(FileLock(SqliteDeferred(%s)))",
        "SQLITE_IMMEDIATE FILE_LOCK | FileLock(SqliteImmediate(%s))",
        "SQLITE_IMMEDIATE JVM_LOCK  | JvmLock(SqliteImmediate(%s))"
      })
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void bindsTheChainOfTheChosenStrategies(String strategies, String chain, @TempDir Path dir)
      throws Exception {
    Path db = dir.toRealPath().resolve("settings.db");
    Strategy[] chosen =
        Arrays.stream(strategies.split(" ")).map(Strategy::valueOf).toArray(Strategy[]::new);
    try (SettingsStore store = storeFrom(db, chosen)) {
      assertThat(store).hasToString(chain.formatted("JdbiSettingsStore[" + db + "]"));
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void providesOneStorePerInjector(@TempDir Path dir) {
    Injector injector =
        Guice.createInjector(
            new SettingsModule(
                SettingsConfig.builder().database(dir.resolve("settings.db")).build()));
    try (SettingsStore store = injector.getInstance(SettingsStore.class)) {
      assertThat(injector.getInstance(SettingsStore.class)).isSameAs(store);
      assertThat(injector.getProvider(SettingsStore.class).get()).isSameAs(store);
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void createsTheInjectorWithoutTouchingTheFileSystem(@TempDir Path dir) throws Exception {
    Path missingDirectory = dir.resolve("not-created-yet");
    Path db = missingDirectory.resolve("settings.db");
    SettingsConfig config =
        SettingsConfig.builder()
            .database(db)
            .strategies(Strategy.JVM_LOCK, Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE)
            .build();

    Injector injector = Guice.createInjector(Stage.DEVELOPMENT, new SettingsModule(config));

    assertThat(missingDirectory).doesNotExist();
    assertThatThrownBy(() -> injector.getInstance(SettingsStore.class))
        .isInstanceOf(ProvisionException.class)
        .cause()
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining(db.toString());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("nothing was created beside the missing directory").isEmpty();
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void opensTheDatabaseOnlyWhenTheStoreIsFirstNeeded(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("settings.db");
    Injector injector =
        Guice.createInjector(
            new SettingsModule(
                SettingsConfig.builder()
                    .database(db)
                    .strategies(Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE)
                    .build()));
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("files before the store is needed").isEmpty();
    }
    try (SettingsStore store = injector.getInstance(SettingsStore.class)) {
      store.setSetting("opened", "yes");
      assertThat(db).exists();
      assertThat(dir.resolve("settings.db.lock")).exists();
    }
  }

  @Test
  void refusesANullConfig() {
    assertThatThrownBy(() -> new SettingsModule(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("config");
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void warnsWhenTheUnguardedStrategyIsBound(@TempDir Path dir) {
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    Injector injector =
        Guice.createInjector(
            new SettingsModule(
                SettingsConfig.builder()
                    .database(dir.resolve("settings.db"))
                    .strategies(Strategy.NONE)
                    .build()));
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      injector.getInstance(SettingsStore.class).close();
    } finally {
      System.setErr(stderr);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("WARN").contains("NONE");
  }

  /**
   * Two injectors, as two modules of one application might create, each with its own singleton on
   * the same file; the second names it through a symbolic link, so only the canonical path tells
   * that it is the same database. Their threads activate providers at once.
   */
  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"JVM_LOCK", "FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT", "ALL"})
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void keepsExactlyOneActiveProviderWhenThreadsOfTwoInjectorsActivateOnOneFile(
      Chain chain, @TempDir Path dir) throws Exception {
    Path db = dir.toRealPath().resolve("settings.db");
    Path link = Files.createSymbolicLink(dir.resolve("link-to-settings.db"), db);
    Injector first = Guice.createInjector(new SettingsModule(chain.config(db)));
    Injector second = Guice.createInjector(new SettingsModule(chain.config(link)));
    BarrierRun.Result result;
    ActiveProviderWatcher watcher;
    try (SettingsStore one = first.getInstance(SettingsStore.class);
        SettingsStore two = second.getInstance(SettingsStore.class)) {
      assertThat(one).isNotSameAs(two);
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        ids.add(one.addAiProvider("provider-" + i, null, null).id());
      }
      watcher = ActiveProviderWatcher.start(TestDatabase.sqlite(db));
      try (watcher) {
        result =
            BarrierRun.run(
                THREADS,
                Duration.ofSeconds(60),
                i -> {
                  SettingsStore store = i % 2 == 0 ? one : two;
                  for (int n = 0; n < ACTIVATIONS_PER_THREAD; n++) {
                    AiProvider active = store.setActiveProvider(ids.get((i + n) % THREADS));
                    assertThat(active.active()).isTrue();
                  }
                });
      }
    }
    Outcome outcome =
        new Outcome(
            result.failures(), result.unfinished(), watcher.violations(), Invariant.read(db));
    System.out.printf("%s %s (two injectors): %s%n", getClass().getSimpleName(), chain, outcome);
    outcome.assertExpectedFor(chain);
  }

  private static SettingsStore storeFrom(Path db, Strategy... strategies) {
    return Guice.createInjector(
            new SettingsModule(
                SettingsConfig.builder().database(db).strategies(strategies).build()))
        .getInstance(SettingsStore.class);
  }
}

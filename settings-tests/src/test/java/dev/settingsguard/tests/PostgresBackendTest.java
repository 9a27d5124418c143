package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.groups.Tuple.tuple;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.TransactionMode;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.locking.Strategy;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.BarrierRun;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What only PostgreSQL has: the writers' advisory lock and the server's row and table locks, each
 * bounded by the lock timeout; foreign clients such as {@code psql}; passwords in URLs; and the
 * round trips a write costs.
 */
// A separate thread: a call stuck in a socket read still fails the test in time.
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PostgresBackendTest {

  private static final Duration LOCK_TIMEOUT = Duration.ofMillis(700);
  private static final Duration MARGIN = Duration.ofMillis(1500);

  @TempDir Path dir;

  /**
   * Through the store's own pool and through an application's data source, whose sessions have no
   * lock timeout of their own: the transaction's bound is what ends the wait.
   */
  @ParameterizedTest(name = "through a data source: {0}")
  @ValueSource(booleans = {false, true})
  void aForeignSessionHoldingTheWritersAdvisoryLockMakesAWriteBusyAfterTheLockTimeout(
      boolean throughDataSource) throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(db.jdbcUrl());
    SettingsConfig.Builder config =
        throughDataSource
            ? SettingsConfig.builder().postgres(dataSource)
            : SettingsConfig.builder().postgres(db.jdbcUrl());
    try (SettingsStore store = SettingsStores.open(config.lockTimeout(LOCK_TIMEOUT).build());
        Connection foreign = db.connect();
        Statement sql = foreign.createStatement()) {
      foreign.setAutoCommit(false);
      sql.execute("SELECT " + PostgresDatabase.WRITERS_LOCK);

      long start = System.nanoTime();
      assertThatThrownBy(() -> store.setActiveProvider(2))
          .isInstanceOfSatisfying(
              SettingsBusyException.class,
              busy -> {
                assertThat(busy.resource()).startsWith("advisory lock of the writers of ");
                assertThat(busy.waited()).isEqualTo(LOCK_TIMEOUT);
              });
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      assertThat(waited).isBetween(LOCK_TIMEOUT.minusMillis(50), LOCK_TIMEOUT.plus(MARGIN));
      assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));

      foreign.rollback();
      assertThat(store.setActiveProvider(1).active()).as("works once the lock is free").isTrue();
    }
  }

  /**
   * A writer that stops inside its transaction, holding the advisory lock, is ended by the server
   * once it has been idle for the lock timeout, so the other writers go on; it learns so when it
   * resumes. The stopped writer uses an application's data source, whose sessions have no idle
   * timeout of their own.
   */
  @Test
  void aWriterThatStopsInsideItsTransactionIsEndedAndTheOthersGoOn() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(db.jdbcUrl());
    SettingsConfig stalling =
        SettingsConfig.builder()
            .postgres(dataSource)
            .strategies(Strategy.POSTGRES_ADVISORY_LOCK)
            .lockTimeout(LOCK_TIMEOUT)
            .build();
    CountDownLatch stalled = new CountDownLatch(1);
    SqlLogger stallAfterTheFirstUpdate =
        new SqlLogger() {
          @Override
          public void logAfterExecution(StatementContext context) {
            if (context.getRawSql().startsWith("UPDATE") && stalled.getCount() > 0) {
              stalled.countDown();
              LockSupport.parkNanos(LOCK_TIMEOUT.multipliedBy(3).toNanos());
            }
          }
        };
    PostgresDatabase stoppedDatabase = PostgresDatabase.open(dataSource, LOCK_TIMEOUT);
    stoppedDatabase.setSqlLogger(stallAfterTheFirstUpdate);
    try (SettingsStore stopped =
            SettingsStores.decorate(new JdbiSettingsStore(stoppedDatabase), stalling);
        SettingsStore other =
            SettingsStores.open(db.config(Chain.DEFAULT, LOCK_TIMEOUT.multipliedBy(4)))) {
      CompletableFuture<Throwable> stalledWrite =
          CompletableFuture.supplyAsync(() -> catchThrowable(() -> stopped.setActiveProvider(1)));
      assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();

      assertThat(other.setActiveProvider(2).active())
          .as("the other writer gets the lock once the stopped one's session is ended")
          .isTrue();
      assertThat(stalledWrite.get(30, TimeUnit.SECONDS))
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("Lost the connection");
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));
  }

  /**
   * A batch of writes takes the writers' lock with its first write's round trip. When another
   * session holds it past the lock timeout, the first write waits out the timeout, and every later
   * write of the batch is refused at once, as when {@code BEGIN} took the lock. A first work that
   * ran nothing changes none of that: the write after it still carries no savepoint with the lock.
   */
  @Test
  void whenTheWritersLockIsHeldElsewhereABatchIsRefusedItOnceNotOncePerWrite() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    int writes = 4;
    try (PostgresDatabase database = PostgresDatabase.open(db.jdbcUrl(), LOCK_TIMEOUT);
        JdbiSettingsStore store = new JdbiSettingsStore(database);
        Connection foreign = db.connect();
        Statement sql = foreign.createStatement()) {
      foreign.setAutoCommit(false);
      sql.execute("SELECT " + PostgresDatabase.WRITERS_LOCK);

      List<Map.Entry<Duration, Throwable>> writesTimed =
          database.inTransaction(
              TransactionMode.EXCLUSIVE,
              () -> {
                database.inTransaction(
                    TransactionMode.EXCLUSIVE,
                    () -> {
                      store.setSettings(Map.of()); // runs no statement
                      return null;
                    });
                List<Map.Entry<Duration, Throwable>> each = new ArrayList<>();
                for (int i = 0; i < writes; i++) {
                  long start = System.nanoTime();
                  Throwable refusal =
                      catchThrowable(
                          () ->
                              database.inTransaction(
                                  TransactionMode.EXCLUSIVE, () -> store.setActiveProvider(1)));
                  each.add(Map.entry(Duration.ofNanos(System.nanoTime() - start), refusal));
                }
                return each;
              });

      assertThat(writesTimed).hasSize(writes);
      for (int i = 0; i < writes; i++) {
        Duration took = writesTimed.get(i).getKey();
        assertThat(writesTimed.get(i).getValue())
            .isInstanceOfSatisfying(
                SettingsBusyException.class,
                busy -> assertThat(busy.resource()).startsWith("advisory lock of the writers of "));
        if (i == 0) {
          assertThat(took).isBetween(LOCK_TIMEOUT.minusMillis(50), LOCK_TIMEOUT.plus(MARGIN));
        } else {
          assertThat(took).as("write %d of the batch", i + 1).isLessThan(LOCK_TIMEOUT.dividedBy(2));
        }
      }
      foreign.rollback();
      assertThat(store.setActiveProvider(1).active()).as("works once the lock is free").isTrue();
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));
  }

  /** The URL's own {@code options} must not take the library's lock timeout away. */
  @ParameterizedTest(name = "options in the URL: {0}")
  @ValueSource(booleans = {false, true})
  void aForeignSessionHoldingATableLockMakesWritesAndReadsBusyAfterTheLockTimeout(
      boolean urlHasOptions) throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    String url =
        db.jdbcUrl() + (urlHasOptions ? "&options=-c%20application_name=settings-test" : "");
    SettingsConfig config =
        SettingsConfig.builder().postgres(url).lockTimeout(LOCK_TIMEOUT).build();
    try (SettingsStore store = SettingsStores.open(config);
        Connection foreign = db.connect();
        Statement sql = foreign.createStatement()) {
      foreign.setAutoCommit(false);
      sql.execute("LOCK TABLE ai_providers IN ACCESS EXCLUSIVE MODE");

      for (Runnable call :
          new Runnable[] {() -> store.setActiveProvider(1), store::listAiProviders}) {
        long start = System.nanoTime();
        assertThatThrownBy(call::run)
            .isInstanceOfSatisfying(
                SettingsBusyException.class,
                // A write sends the writers' lock with its statements, so its name admits both.
                busy -> assertThat(busy.resource()).contains("row or table lock"));
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .isLessThan(LOCK_TIMEOUT.plus(MARGIN));
      }

      foreign.rollback();
      assertThat(store.setActiveProvider(1).active()).isTrue();
    }
  }

  @Test
  void aDataSourceWithAutoCommitOffIsRefusedAtOpen() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(db.jdbcUrl());
    pool.setAutoCommit(false);
    try (HikariDataSource dataSource = new HikariDataSource(pool)) {
      assertThatThrownBy(
              () -> SettingsStores.open(SettingsConfig.builder().postgres(dataSource).build()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("auto-commit off");
    }
  }

  /** An application's pool whose sessions default to REPEATABLE READ still serializes writers. */
  @Test
  void writersThroughADataSourceOfRepeatableReadSessionsNeitherFailNorBreakTheInvariant()
      throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 4);
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(db.jdbcUrl());
    pool.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
    SettingsConfig config;
    try (HikariDataSource dataSource = new HikariDataSource(pool)) {
      config =
          SettingsConfig.builder()
              .postgres(dataSource)
              .strategies(Strategy.POSTGRES_ADVISORY_LOCK)
              .build();
      // Two stores, as two machines would be: no JVM lock between them.
      try (SettingsStore first = SettingsStores.open(config);
          SettingsStore second = SettingsStores.open(config)) {
        BarrierRun.Result result =
            BarrierRun.run(
                8,
                Duration.ofSeconds(30),
                i -> {
                  SettingsStore store = i % 2 == 0 ? first : second;
                  for (int n = 0; n < 25; n++) {
                    store.setActiveProvider(1 + (i + n) % 4);
                    store.setSetting("shared", "writer-" + i);
                  }
                });
        assertThat(result.failures()).as("failed operations").isEmpty();
      }
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(4, 1));
  }

  /**
   * A store whose current schema is empty but whose search path reaches another schema's tables
   * would write those tables under a lock named after its own schema: it is refused instead.
   */
  @Test
  void aSearchPathThatFindsTheTablesOutsideTheCurrentSchemaIsRefused() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 1); // the tables in public
    db.execute("CREATE SCHEMA other");
    String url = db.jdbcUrl() + "&currentSchema=other,public";

    assertThatThrownBy(() -> SettingsStores.open(SettingsConfig.builder().postgres(url).build()))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("public.ai_providers")
        .hasMessageContaining("set currentSchema");
  }

  @Test
  void anotherApplicationsSettingsTableIsRefusedUnchanged() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    db.execute("CREATE TABLE settings (id SERIAL PRIMARY KEY, name TEXT, payload TEXT)");

    assertThatThrownBy(() -> SettingsStores.open(db.config(Chain.DEFAULT)))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("[settings]")
        .hasMessageContaining("did not create");
    try (Connection foreign = db.connect();
        Statement sql = foreign.createStatement();
        var tables =
            sql.executeQuery(
                "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables"
                    + " WHERE schemaname = 'public'")) {
      tables.next();
      assertThat(tables.getString(1)).as("nothing created").isEqualTo("settings");
    }
  }

  @Test
  void aDroppedSingleActiveIndexIsRefusedAtOpen() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    db.execute("DROP INDEX ai_providers_single_active");

    assertThatThrownBy(() -> SettingsStores.open(db.config(Chain.DEFAULT)))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("ai_providers_single_active");
  }

  /** A schema of version 1, as the library wrote it before revisions, migrates in place. */
  @Test
  void aSchemaOfVersionOneMigratesInPlaceKeepingEveryRow() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    db.execute(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT, updated_at BIGINT NOT NULL)",
        "CREATE TABLE ai_providers (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            + " provider_name TEXT NOT NULL UNIQUE, api_key TEXT, model TEXT,"
            + " is_active INTEGER NOT NULL CHECK (is_active IN (0, 1)),"
            + " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
        "CREATE UNIQUE INDEX ai_providers_single_active ON ai_providers (is_active)"
            + " WHERE is_active = 1",
        "CREATE TABLE settings_guard_schema (version INTEGER NOT NULL,"
            + " migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        "INSERT INTO settings_guard_schema (version) VALUES (1)",
        "INSERT INTO settings VALUES ('theme', 'dark', 1000), ('empty', NULL, 1001)",
        "INSERT INTO ai_providers (provider_name, api_key, model, is_active, created_at,"
            + " updated_at) VALUES ('one', 'sk-one-0123456789', 'm1', 0, 1, 2),"
            + " ('two', NULL, NULL, 1, 3, 4)");

    try (SettingsStore store = SettingsStores.open(db.config(Chain.DEFAULT))) {
      assertThat(store.listSettings())
          .extracting(Setting::key, Setting::value, Setting::revision)
          .containsExactly(tuple("empty", null, 1L), tuple("theme", "dark", 1L));
      assertThat(store.listAiProviders())
          .extracting(AiProvider::providerName, AiProvider::active, AiProvider::revision)
          .containsExactly(tuple("one", false, 1L), tuple("two", true, 1L));
      assertThat(store.listAiProviders().get(0).apiKey().reveal()).isEqualTo("sk-one-0123456789");
      assertThat(store.currentRevision()).isEqualTo(1);
      assertThat(store.addAiProvider("three", null, null).revision()).isEqualTo(2);
      assertThat(store.addAiProvider("four", null, null).id())
          .as("the identity goes on after the rows kept")
          .isEqualTo(4);
    }
  }

  @Test
  void aSchemaThatLostItsRevisionCounterIsRefusedAtOpen() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 1);
    db.execute("DELETE FROM settings_revision");

    assertThatThrownBy(() -> SettingsStores.open(db.config(Chain.DEFAULT)))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("revision counter");
  }

  @Test
  void aSchemaOfANewerVersionIsRefusedUnchanged() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 1);
    db.execute("INSERT INTO settings_guard_schema (version) VALUES (99)");

    assertThatThrownBy(() -> SettingsStores.open(db.config(Chain.DEFAULT)))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("schema version 99")
        .hasMessageContaining("left unchanged");
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(1, 1));
  }

  @Test
  void aForeignPsqlClientCannotMakeTwoProvidersActive() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 3);
    String uri = db.jdbcUrl().substring("jdbc:".length());

    Process psql =
        new ProcessBuilder(
                "psql", uri, "-v", "ON_ERROR_STOP=1", "-c", "UPDATE ai_providers SET is_active = 1")
            .redirectErrorStream(true)
            .start();
    String output = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(psql.waitFor()).as("psql: %s", output).isNotZero();
    assertThat(output).contains("ai_providers_single_active");
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(3, 1));
  }

  @Test
  void thePasswordOfTheUrlAppearsInNoToStringMessageOrLog() throws Exception {
    String password = "pw-SECRET-4711";
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    // pgjdbc reads a parameter up to the next '&': a ';' belongs to the password.
    String url = db.jdbcUrl() + "&password=x;" + password + "&sslpassword=" + password;
    SettingsConfig config = SettingsConfig.builder().postgres(url).build();
    String unreachable =
        url.replaceFirst("127\\.0\\.0\\.1:\\d+", "127.0.0.1:1"); // nothing listens on port 1
    PrintStream stderr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    try {
      try (SettingsStore store = SettingsStores.open(config)) {
        store.addAiProvider("p", null, null);
        seen.append(store).append(config);
      }
      SettingsConfig down =
          SettingsConfig.builder().postgres(unreachable).lockTimeout(LOCK_TIMEOUT).build();
      Throwable refused = catchThrowable(() -> SettingsStores.open(down));
      assertThat(refused).isNotNull();
      seen.append(down).append(refused.getMessage());
      for (Throwable cause = refused.getCause(); cause != null; cause = cause.getCause()) {
        seen.append(cause.getMessage());
      }
    } finally {
      System.setErr(stderr);
    }
    assertThat(seen.toString()).doesNotContain(password).contains("&password=***");
    assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain(password);
  }

  /**
   * The session ends between the write's last step and its {@code COMMIT}: the library cannot tell
   * whether the server committed, and says so.
   */
  @Test
  void aConnectionLostDuringCommitSaysTheOutcomeIsUnknown() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    SqlLogger terminateAfterTheLastStep =
        new SqlLogger() {
          @Override
          public void logAfterExecution(StatementContext context) {
            // An activation's last step logs the change (on PostgreSQL, with the activation).
            if (context.getRawSql().contains("INSERT INTO settings_changes")) {
              terminate(db, context);
            }
          }
        };
    try (SettingsStore store =
        TestStores.openWithSqlLogger(
            db, db.config(Chain.POSTGRES_ADVISORY_LOCK), terminateAfterTheLastStep)) {
      assertThatThrownBy(() -> store.setActiveProvider(1))
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("during COMMIT")
          .hasMessageContaining("may or may not have been committed");
    }
    assertThat(Invariant.read(db).holds()).isTrue();
  }

  /** Ends the session that ran the statement, from another connection. */
  private static void terminate(TestDatabase db, StatementContext context) {
    try (Connection admin = db.connect();
        Statement sql = admin.createStatement();
        var pid =
            context.getConnection().createStatement().executeQuery("SELECT pg_backend_pid()")) {
      pid.next();
      sql.execute("SELECT pg_terminate_backend(" + pid.getInt(1) + ")");
    } catch (java.sql.SQLException failure) {
      throw new IllegalStateException(failure);
    }
  }

  /**
   * Without the advisory lock ({@code JVM_LOCK} alone), another machine can delete the provider
   * that a deletion of the active one chooses to make active, while the choosing statement waits
   * for its row: the deletion fails busy and changes nothing, rather than leave no provider active.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aDeletionWhoseSuccessorAnotherMachineDeletesMeanwhileFailsAndChangesNothing()
      throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    try (SettingsStore store = SettingsStores.open(db.config(Chain.JVM_LOCK));
        Connection otherMachine = db.connect();
        Statement other = otherMachine.createStatement();
        Connection observer = db.connect();
        Statement observe = observer.createStatement()) {
      store.addAiProvider("a", null, null);
      long b = store.addAiProvider("b", null, null).id();
      long c =
          store.addAiProvider("c", null, null).id(); // active; b the latest updated of the rest
      otherMachine.setAutoCommit(false);
      other.executeUpdate("DELETE FROM ai_providers WHERE id = " + b);

      CompletableFuture<Throwable> deletion =
          CompletableFuture.supplyAsync(() -> catchThrowable(() -> store.deleteAiProvider(c)));
      awaitASessionWaitingForALock(observe); // in auto-commit: a fresh view of the sessions
      otherMachine.commit();

      assertThat(deletion.get(10, TimeUnit.SECONDS))
          .isInstanceOf(SettingsBusyException.class)
          .hasMessageContaining("deleted by a concurrent transaction");
    }
    assertThat(Invariant.read(db)).isEqualTo(new Invariant.Counts(2, 1));
  }

  private static void awaitASessionWaitingForALock(Statement sql) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (var waiting =
          sql.executeQuery(
              "SELECT count(*) FROM pg_stat_activity"
                  + " WHERE wait_event_type = 'Lock' AND datname = current_database()")) {
        waiting.next();
        if (waiting.getInt(1) > 0) {
          return;
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    throw new AssertionError("No session waited for a lock within 10 s");
  }

  /**
   * Round trips are PostgreSQL's cost. On the default chain an activation costs one for the
   * advisory lock, the revision (with its notification), the adapter's two steps and the change's
   * log entry, sent together (with the driver's {@code BEGIN}), and one for {@code COMMIT}: two,
   * one fewer than the hand-written transaction of the stress harness's raw-JDBC baseline, which
   * keeps no revisions.
   */
  @Test
  void anActivationOnTheDefaultChainCostsTwoRoundTrips() throws Exception {
    TestDatabase db = Backend.POSTGRES.newDatabase(dir);
    TestStores.seedProviders(db, 2);
    AtomicInteger statements = new AtomicInteger();
    List<String> sent = new CopyOnWriteArrayList<>();
    SqlLogger counter =
        new SqlLogger() {
          @Override
          public void logBeforeExecution(StatementContext context) {
            statements.incrementAndGet();
            sent.add(context.getRawSql());
          }
        };
    try (SettingsStore store =
        TestStores.openWithSqlLogger(db, db.config(Chain.DEFAULT), counter)) {
      store.setActiveProvider(1);
      statements.set(0);
      sent.clear();
      store.setActiveProvider(2);
    }
    assertThat(sent).singleElement().asString().contains("pg_advisory_xact_lock");
    // COMMIT is the transaction's own statement, which goes past the logger.
    int roundTrips = statements.get() + 1;
    System.out.printf(
        "PostgresBackendTest: setActiveProvider on DEFAULT: %d round trips%n", roundTrips);
    assertThat(roundTrips).isEqualTo(2);
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.ActiveProviderWatcher;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.BarrierRun;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.Outcome;
import dev.settingsguard.tests.support.SettingsHttpServer;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP smoke test under load: twelve clients released by one barrier call the routes of a {@link
 * SettingsHttpServer} whose handlers delegate to the store, as the application's API does.
 */
class SettingsRoutesTest {

  private static final int CLIENTS = 12;
  private static final int ROUNDS = 4;
  private static final int SEEDED_PROVIDERS = 3;
  private static final Duration JOIN = Duration.ofSeconds(60);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.settingsguard.tests.support.Cases#chainsOnEveryBackend")
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void answersEveryRequestAndKeepsExactlyOneActiveProviderWhenTwelveClientsCallAtOnce(
      Backend backend, Chain chain, @TempDir Path dir) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<String> writtenValues =
        IntStream.range(0, CLIENTS * ROUNDS).mapToObj(n -> "value-" + n).toList();
    BarrierRun.Result result;
    ActiveProviderWatcher watcher;
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db);
        SettingsHttpServer server = SettingsHttpServer.start(store)) {
      List<Long> seeded = new ArrayList<>();
      for (int i = 0; i < SEEDED_PROVIDERS; i++) {
        seeded.add(idOf(call(server, "POST", "/providers", form("seed-" + i)), 201));
      }
      watcher = ActiveProviderWatcher.start(db);
      try (watcher) {
        result =
            BarrierRun.run(
                CLIENTS,
                JOIN,
                i -> {
                  for (int round = 0; round < ROUNDS; round++) {
                    String value = writtenValues.get(i * ROUNDS + round);
                    expect(failures, 204, () -> call(server, "PUT", "/settings/shared", value));
                    HttpResponse<String> added =
                        expect(
                            failures,
                            201,
                            () -> call(server, "POST", "/providers", form("client-" + i)));
                    long seed = seeded.get((i + round) % SEEDED_PROVIDERS);
                    expect(
                        failures,
                        200,
                        () -> call(server, "POST", "/providers/" + seed + "/activate", ""));
                    expect(failures, 200, () -> call(server, "GET", "/providers/active", null));
                    expect(failures, 200, () -> call(server, "GET", "/settings/shared", null));
                    if (added.statusCode() == 201) {
                      long own = idOf(added, 201);
                      expect(
                          failures, 204, () -> call(server, "DELETE", "/providers/" + own, null));
                    }
                  }
                });
      }
    }
    failures.addAll(result.failures());
    Outcome outcome =
        new Outcome(failures, result.unfinished(), watcher.violations(), Invariant.read(db));
    System.out.printf("%s %s: %s%n", getClass().getSimpleName() + " " + backend, chain, outcome);
    outcome.assertInvariantExpectedFor(chain);
    if (chain.safe()) {
      assertThat(StoredRows.providers(db))
          .as("clients deleted what they added")
          .hasSize(SEEDED_PROVIDERS);
      assertThat(StoredRows.settingValues(db, "shared"))
          .hasSize(1)
          .allMatch(writtenValues::contains);
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void mapsBadInputTo400AndUnknownProviderTo404(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("settings.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db);
        SettingsHttpServer server = SettingsHttpServer.start(store)) {
      assertThat(call(server, "PUT", "/settings/" + "k".repeat(300), "v").statusCode())
          .isEqualTo(400);
      assertThat(call(server, "POST", "/providers", "name=%20&model=m").statusCode())
          .isEqualTo(400);
      assertThat(call(server, "POST", "/providers/0/activate", "").statusCode()).isEqualTo(400);
      assertThat(call(server, "POST", "/providers/abc/activate", "").statusCode()).isEqualTo(400);
      assertThat(call(server, "POST", "/providers/999/activate", "").statusCode()).isEqualTo(404);
      assertThat(call(server, "DELETE", "/providers/999", null).statusCode()).isEqualTo(404);
      assertThat(call(server, "GET", "/providers/active", null).statusCode()).isEqualTo(404);
      assertThat(call(server, "GET", "/settings/absent", null).statusCode()).isEqualTo(404);
      assertThat(call(server, "PUT", "/settings/k%20%22q%22", "v\u00e9").statusCode())
          .isEqualTo(204);
      assertThat(call(server, "GET", "/settings/k%20%22q%22", null).body())
          .isEqualTo("{\"key\":\"k \\\"q\\\"\",\"value\":\"v\u00e9\"}");
    }
    assertThat(Invariant.read(db).providers()).as("refused requests wrote nothing").isZero();
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void mapsBusyTo503AndStorageFailureTo500(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("settings.db");
    try (SettingsStore store =
            SettingsStores.open(Chain.DEFAULT.config(db, Duration.ofMillis(300)));
        SettingsHttpServer server = SettingsHttpServer.start(store);
        Connection foreign = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement sql = foreign.createStatement()) {
      long id = store.addAiProvider("p", null, null).id();

      sql.execute("BEGIN IMMEDIATE"); // another writer keeps SQLite's write lock
      assertThat(call(server, "PUT", "/settings/k", "v").statusCode()).isEqualTo(503);
      assertThat(call(server, "POST", "/providers/" + id + "/activate", "").statusCode())
          .isEqualTo(503);
      sql.execute("ROLLBACK");

      sql.execute(
          "CREATE TRIGGER refuse BEFORE INSERT ON settings"
              + " BEGIN SELECT RAISE(ABORT, 'writes refused'); END");
      assertThat(call(server, "PUT", "/settings/k", "v").statusCode()).isEqualTo(500);
      sql.execute("DROP TABLE ai_providers");
      assertThat(call(server, "GET", "/providers/active", null).statusCode()).isEqualTo(500);
    }
  }

  private HttpResponse<String> call(
      SettingsHttpServer server, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(server.uri(path))
            .timeout(REQUEST_TIMEOUT)
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
            .build();
    return client.send(request, BodyHandlers.ofString());
  }

  /**
   * Makes the call and records an unexpected status as a failure of the run; a transport error ends
   * the client thread and is collected by the run.
   */
  private static HttpResponse<String> expect(List<Throwable> failures, int status, Call call) {
    HttpResponse<String> response;
    try {
      response = call.make();
    } catch (IOException transport) {
      throw new UncheckedIOException(transport);
    } catch (InterruptedException interrupt) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling the server", interrupt);
    }
    if (response.statusCode() != status) {
      failures.add(
          new AssertionError(
              response.request().method()
                  + " "
                  + response.uri().getPath()
                  + " answered "
                  + response.statusCode()
                  + " instead of "
                  + status
                  + ": "
                  + response.body()));
    }
    return response;
  }

  private static long idOf(HttpResponse<String> response, int expectedStatus) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
    Matcher matcher = ID.matcher(response.body());
    assertThat(matcher.find()).as("id in %s", response.body()).isTrue();
    return Long.parseLong(matcher.group(1));
  }

  private static String form(String name) {
    return "name="
        + URLEncoder.encode(name, StandardCharsets.UTF_8)
        + "&apiKey=sk-"
        + URLEncoder.encode(name, StandardCharsets.UTF_8)
        + "&model=m";
  }

  @FunctionalInterface
  private interface Call {
    HttpResponse<String> make() throws IOException, InterruptedException;
  }
}

package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.SecretKeys;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Keysets;
import dev.settingsguard.tests.support.TestStores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** API keys never appear in {@code toString}, exception messages or stack traces. */
@Timeout(30)
class SecretsTest {

  private static final String SECRET = "sk-live-SECRET-0123456789-abcd";

  @TempDir Path dir;

  @Test
  void apiKeyShowsAtMostItsLastFourCharacters() {
    assertThat(ApiKey.of(SECRET)).hasToString("ApiKey[****abcd]");
    assertThat(ApiKey.of("123456789012")).hasToString("ApiKey[****9012]");
  }

  @Test
  void apiKeyShorterThanTwelveShowsNothing() {
    assertThat(ApiKey.of("12345678901")).hasToString("ApiKey[****]");
    assertThat(ApiKey.of("")).hasToString("ApiKey[****]");
  }

  @Test
  void apiKeysAreEqualByTheirSecret() {
    assertThat(ApiKey.of(SECRET)).isEqualTo(ApiKey.of(SECRET)).isNotEqualTo(ApiKey.of("other"));
    assertThat(ApiKey.of(SECRET).hashCode()).isEqualTo(ApiKey.of("other").hashCode());
  }

  @Test
  void providerToStringMasksTheKey() {
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, dir.resolve("s.db"))) {
      AiProvider provider = store.addAiProvider("openai", ApiKey.of(SECRET), "gpt");

      assertThat(provider.toString()).doesNotContain("SECRET").contains("****abcd");
      assertThat(store.listAiProviders().toString()).doesNotContain("SECRET");
    }
  }

  @Test
  void tooLongKeyIsRefusedWithoutShowingIt() {
    String longSecret = "SECRET" + "x".repeat(5000);

    Throwable refused = catchThrowable(() -> ApiKey.of(longSecret));

    assertThat(stackTraceOf(refused)).doesNotContain("SECRET");
  }

  @Test
  void storageFailureWhileWritingAKeyDoesNotShowIt() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      store.addAiProvider("openai", null, null);
      // A foreign client adds a trigger that fails the very statement that binds the key. Jdbi's
      // own message lists bound arguments; the store's must carry SQLite's message only.
      try (var connection = DriverManager.getConnection("jdbc:sqlite:" + db);
          var statement = connection.createStatement()) {
        statement.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE OF api_key ON ai_providers"
                + " BEGIN SELECT RAISE(ABORT, 'writes refused'); END");
      }

      Throwable failure =
          catchThrowable(() -> store.addAiProvider("openai", ApiKey.of(SECRET), "m"));

      assertThat(failure).isInstanceOf(SettingsStorageException.class);
      assertThat(failure.getMessage())
          .contains("trigger")
          .doesNotContain("writes refused") // a trigger's own text may carry bound values
          .contains(db.getFileName().toString());
      assertThat(stackTraceOf(failure)).doesNotContain("SECRET");
    }
  }

  @Test
  void aForeignTriggerThatPutsTheKeyInItsMessageDoesNotShowIt() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      try (var connection = DriverManager.getConnection("jdbc:sqlite:" + db);
          var statement = connection.createStatement()) {
        statement.execute(
            "CREATE TRIGGER echo BEFORE INSERT ON ai_providers"
                + " BEGIN SELECT RAISE(ABORT, 'refused key ' || NEW.api_key); END");
      }

      Throwable failure =
          catchThrowable(() -> store.addAiProvider("openai", ApiKey.of(SECRET), "m"));

      assertThat(failure)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("trigger");
      assertThat(stackTraceOf(failure)).doesNotContain("SECRET");
    }
  }

  @Test
  void driverFailureOutsideSqliteWhileWritingAKeyDoesNotShowIt() {
    Path db = dir.resolve("s.db");
    // Closing the statement that binds the key makes the driver throw a plain SQLException, not
    // SQLite's: Jdbi wraps it in an exception whose message renders the bound arguments.
    CloseStatementsBinding closeKeyUpdates = new CloseStatementsBinding("api_key = ");
    try (SettingsStore store =
        TestStores.openWithSqlLogger(Chain.DEFAULT.config(db), closeKeyUpdates)) {
      store.addAiProvider("openai", null, null);
      closeKeyUpdates.armed.set(true);

      Throwable failure =
          catchThrowable(() -> store.addAiProvider("openai", ApiKey.of(SECRET), "m"));

      assertThat(failure)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining(db.getFileName().toString())
          .hasMessageContaining("withheld");
      assertThat(stackTraceOf(failure)).doesNotContain("SECRET");
    }
  }

  @Test
  void aForeignTriggerWhoseFunctionQuotesTheKeyDoesNotShowIt() throws Exception {
    Path db = dir.resolve("s.db");
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      try (var connection = DriverManager.getConnection("jdbc:sqlite:" + db);
          var statement = connection.createStatement()) {
        // Not a RAISE: json_extract's own error message quotes the bad path it was given.
        statement.execute(
            "CREATE TRIGGER quote BEFORE INSERT ON ai_providers"
                + " BEGIN SELECT json_extract('{}', NEW.api_key); END");
      }

      Throwable failure =
          catchThrowable(() -> store.addAiProvider("openai", ApiKey.of(SECRET), "m"));

      assertThat(failure).isInstanceOf(SettingsStorageException.class);
      assertThat(stackTraceOf(failure)).doesNotContain("SECRET");
    }
  }

  /** Once armed, closes every statement whose SQL contains a marker just before it executes. */
  private static final class CloseStatementsBinding implements SqlLogger {
    private final String marker;
    final AtomicBoolean armed = new AtomicBoolean();

    CloseStatementsBinding(String marker) {
      this.marker = marker;
    }

    @Override
    public void logBeforeExecution(StatementContext context) {
      if (armed.get() && context.getRawSql().contains(marker)) {
        try {
          context.getStatement().close();
        } catch (SQLException unexpected) {
          throw new IllegalStateException(unexpected);
        }
      }
    }
  }

  @Test
  void secretKeysAndTheConfigShowNoKeyMaterial() {
    String keyset = Keysets.newKeyset();
    SettingsConfig config =
        SettingsConfig.builder().database(dir.resolve("s.db")).secretKeys(keyset).build();

    assertThat(keyMaterialIn(keyset)).isNotEmpty();
    for (String material : keyMaterialIn(keyset)) {
      assertThat(Keysets.piecesFound(material, config.secretKeys().toString())).isEmpty();
      assertThat(Keysets.piecesFound(material, config.toString())).isEmpty();
    }
    assertThat(config.toString()).contains("SecretKeys[primary key id");
  }

  @Test
  void aKeysetThatIsNotOneIsRefusedWithoutQuotingIt() {
    String keyset = Keysets.newKeyset().replace("AesGcmKey", "AesNoSuchKey");

    Throwable refused = catchThrowable(() -> SecretKeys.fromJson(keyset));

    assertThat(refused).isInstanceOf(IllegalArgumentException.class);
    for (String material : keyMaterialIn(keyset)) {
      assertThat(Keysets.piecesFound(material, stackTraceOf(refused))).isEmpty();
    }
  }

  @Test
  void aKeyThatDoesNotDecryptFailsWithoutShowingTheKeyOrTheKeyset() {
    Path db = dir.resolve("s.db");
    String written = Keysets.newKeyset();
    String other = Keysets.newKeyset();
    try (SettingsStore store =
        SettingsStores.open(SettingsConfig.builder().database(db).secretKeys(written).build())) {
      store.addAiProvider("openai", ApiKey.of(SECRET), "m");
    }
    try (SettingsStore store =
        SettingsStores.open(SettingsConfig.builder().database(db).secretKeys(other).build())) {
      Throwable failure = catchThrowable(store::getActiveProvider);

      assertThat(failure).isInstanceOf(SettingsStorageException.class);
      String trace = stackTraceOf(failure);
      assertThat(Keysets.piecesFound(SECRET, trace)).isEmpty();
      for (String material : keyMaterialIn(written + other)) {
        assertThat(Keysets.piecesFound(material, trace)).isEmpty();
      }
    }
  }

  @Test
  @Timeout(10)
  void aKeysetFileThatIsAFifoIsRefusedWithoutBlocking() throws Exception {
    Path fifo = dir.resolve("keyset.json");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

    assertThatThrownBy(() -> SecretKeys.fromFile(fifo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a regular file");
  }

  /** A secret manager mounts its files behind symbolic links. */
  @Test
  void aKeysetFileBehindASymbolicLinkIsRead() throws Exception {
    Path real = Keysets.writeFile(dir, "real.json", Keysets.newKeyset());
    Path link = Files.createSymbolicLink(dir.resolve("keyset.json"), real);

    assertThat(SecretKeys.fromFile(link).toString()).startsWith("SecretKeys[");
  }

  /** The Base64 key material of every key of a JSON keyset. */
  private static List<String> keyMaterialIn(String keysetJson) {
    return Pattern.compile("\"value\":\"([^\"]+)\"")
        .matcher(keysetJson)
        .results()
        .map(match -> match.group(1))
        .toList();
  }

  private static String stackTraceOf(Throwable throwable) {
    StringWriter out = new StringWriter();
    throwable.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}

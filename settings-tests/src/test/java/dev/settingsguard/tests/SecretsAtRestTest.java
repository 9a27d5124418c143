package dev.settingsguard.tests;

import static dev.settingsguard.tests.support.Keysets.apiKeyFor;
import static dev.settingsguard.tests.support.Keysets.piecesFound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.SecretKeys;
import dev.settingsguard.locking.SettingsStores;
import dev.settingsguard.tests.support.Backend;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.ChildProcess;
import dev.settingsguard.tests.support.Keysets;
import dev.settingsguard.tests.support.SecretsProcess;
import dev.settingsguard.tests.support.StoredRows;
import dev.settingsguard.tests.support.TestDatabase;
import dev.settingsguard.tests.support.TestStores;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * API keys encrypted at rest with a Tink keyset, on both backends: storage never holds a key or any
 * 8-character piece of one; a ciphertext is bound to its row; rotation across processes; keys left
 * in clear are encrypted once, even when four processes open at once; and every failure names the
 * provider, never the key.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecretsAtRestTest {

  private static final List<String> NAMES = List.of("alpha", "beta", "gamma");

  private static final String KEYSET = Keysets.newKeyset();

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void storageHoldsNoKeyNorAnyPieceOfOne(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    String stored;
    try (SettingsStore store = open(db, KEYSET)) {
      writeProviders(store);
      AiProvider beta = store.getAiProvider(2).orElseThrow();
      store.updateAiProvider(beta.id(), beta.revision(), ApiKey.of(apiKeyFor("beta")), "m2");
      store.setActiveProvider(1);
      stored = storedText(db);
      assertThat(store.listAiProviders())
          .extracting(p -> p.apiKey().reveal())
          .containsExactlyElementsOf(NAMES.stream().map(Keysets::apiKeyFor).toList());
    }
    assertNoPieceOfTheKeysOf(NAMES, stored + storedText(db));
    assertThat(StoredRows.providers(db))
        .allSatisfy(row -> assertThat(row.apiKey()).startsWith(SecretKeys.SEALED_PREFIX));

    // The check finds a key that a store without secret keys wrote.
    TestDatabase plain = backend.newDatabase(Files.createDirectory(dir.resolve("plain")));
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, plain)) {
      writeProviders(store);
      assertThat(piecesFound(apiKeyFor("alpha"), storedText(plain))).isNotEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aCiphertextCopiedToAnotherRowFailsTheReadsOfThatProviderOnly(Backend backend)
      throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    writeThenCopyAlphasCiphertextTo(db, "beta");

    try (SettingsStore store = open(db, KEYSET)) {
      Throwable failure = catchThrowable(() -> store.getAiProvider(2));

      assertThat(failure)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("'beta'")
          .hasMessageContaining("does not decrypt");
      assertNoKeyIn(failure);
      assertThatThrownBy(store::listAiProviders).isInstanceOf(SettingsStorageException.class);
      // alpha is rewritten first, then beta fails: the rollback keeps alpha's old ciphertext too.
      List<StoredRows.ProviderRow> before = StoredRows.providers(db);
      assertThatThrownBy(store::reencryptSecrets)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("'beta'");
      assertThat(StoredRows.providers(db)).isEqualTo(before);
      assertThat(store.getAiProvider(1).orElseThrow().apiKey().reveal())
          .isEqualTo(apiKeyFor("alpha"));
      assertThat(store.getActiveProvider()).get().extracting(AiProvider::id).isEqualTo(1L);
      assertThat(store.getSetting("k")).isPresent();
    }
  }

  /** A cached store cannot load its snapshot, so it reads from the database, as uncached. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aCachedStoreServesTheOtherReadsWhenAKeyDoesNotDecrypt(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    writeThenCopyAlphasCiphertextTo(db, "gamma");

    try (SettingsStore store =
        SettingsStores.open(
            db.builder(Chain.DEFAULT).secretKeys(KEYSET).cachedReads(true).build())) {
      assertThat(store.getSetting("k")).isPresent();
      assertThat(store.getActiveProvider()).get().extracting(AiProvider::id).isEqualTo(1L);
      assertThatThrownBy(() -> store.getAiProvider(3))
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("'gamma'");
      store.setSetting("k", "w");
      assertThat(store.getSetting("k")).get().extracting(s -> s.value()).isEqualTo("w");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWrongKeysetFailsEachReadOfAKeyNamingItsProvider(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = open(db, KEYSET)) {
      writeProviders(store);
      store.setSetting("k", "v");
    }
    try (SettingsStore store = open(db, Keysets.newKeyset())) {
      Throwable failure = catchThrowable(() -> store.getAiProvider(3));

      assertThat(failure)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("'gamma'")
          .hasMessageContaining("does not decrypt");
      assertNoKeyIn(failure);
      assertThat(store.getSetting("k")).isPresent();
      assertThatThrownBy(store::reencryptSecrets)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("'alpha'");
    }
    assertThat(StoredRows.providers(db))
        .allSatisfy(row -> assertThat(row.apiKey()).startsWith(SecretKeys.SEALED_PREFIX));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aStoreWithoutKeysRefusesEncryptedKeysAndSaysWhy(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    try (SettingsStore store = open(db, KEYSET)) {
      writeProviders(store);
    }
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      Throwable failure = catchThrowable(() -> store.getAiProvider(1));

      assertThat(failure)
          .isInstanceOf(SettingsStorageException.class)
          .hasMessageContaining("'alpha'")
          .hasMessageContaining("no secret keys");
      assertNoKeyIn(failure);
      assertThatThrownBy(store::reencryptSecrets).isInstanceOf(IllegalStateException.class);
    }
  }

  /**
   * Keys from before are encrypted at open; a store without keys warns once that it writes keys in
   * clear, or opens on them.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void openingWithKeysEncryptsKeysLeftInClear(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    String log =
        capturingStderr(
            () -> {
              try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
                writeProviders(store);
              }
              TestStores.open(Chain.DEFAULT, db).close();
            });
    // Once per store: the one that writes three keys in clear, at the first, and the one that
    // opens on them, at open.
    assertThat(log.lines().filter(line -> line.contains("in clear")).count())
        .as("warnings of keys in clear")
        .isEqualTo(2);
    assertThat(log).doesNotContain(apiKeyFor("alpha"));

    try (SettingsStore store = open(db, KEYSET)) {
      assertThat(StoredRows.providers(db))
          .allSatisfy(row -> assertThat(row.apiKey()).startsWith(SecretKeys.SEALED_PREFIX));
      assertThat(store.listAiProviders())
          .allSatisfy(p -> assertThat(p.apiKey().reveal()).isEqualTo(apiKeyFor(p.providerName())));
      // While the store is open: no later checkpoint or close has cleaned up for it.
      assertNoPieceOfTheKeysOf(NAMES, storedText(db));
    }
  }

  /**
   * Deleted providers leave their keys in freed pages, where no row shows them and no rewrite of a
   * row reaches them (here also with {@code secure_delete} off, as another client may have it).
   * Opening with keys rebuilds the file.
   */
  @Test
  void openingWithKeysErasesKeysThatAnOlderWriterLeftInFreedPages() throws Exception {
    TestDatabase db = Backend.SQLITE.newDatabase(dir);
    List<String> names = new ArrayList<>();
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      for (int i = 0; i < 60; i++) {
        names.add("provider-" + i);
        store.addAiProvider(names.get(i), ApiKey.of(apiKeyFor(names.get(i))), "m");
      }
    }
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA secure_delete = off");
      statement.execute("DELETE FROM ai_providers WHERE id BETWEEN 11 AND 50");
    }
    String before = storedText(db);
    assertThat(names.subList(10, 50))
        .as("deleted keys left in freed pages, before")
        .anyMatch(name -> before.contains(apiKeyFor(name)));

    try (SettingsStore store = open(db, KEYSET)) {
      assertThat(store.listAiProviders()).hasSize(20);
      assertNoPieceOfTheKeysOf(names, storedText(db));
    }
  }

  /**
   * A column with a case-insensitive collation (a foreign schema) matches the upsert of "ALPHA" to
   * the row "alpha": the key is encrypted for the row's name, and reads back.
   */
  @Test
  void anUpsertThatMatchesARowOfAnotherSpellingEncryptsForTheRowsName() throws Exception {
    TestDatabase db = Backend.SQLITE.newDatabase(dir);
    TestStores.open(Chain.DEFAULT, db).close();
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement()) {
      List<String> schema = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT sql FROM sqlite_master WHERE tbl_name = 'ai_providers' AND sql IS NOT NULL"
                  + " ORDER BY type DESC")) {
        while (rs.next()) {
          schema.add(rs.getString(1));
        }
      }
      statement.execute("DROP TABLE ai_providers");
      for (String ddl : schema) {
        statement.execute(
            ddl.replace(
                "provider_name TEXT NOT NULL UNIQUE",
                "provider_name TEXT NOT NULL UNIQUE COLLATE NOCASE"));
      }
    }
    try (SettingsStore store = open(db, KEYSET)) {
      store.addAiProvider("alpha", ApiKey.of(apiKeyFor("alpha")), "m");

      AiProvider upserted = store.addAiProvider("ALPHA", ApiKey.of(apiKeyFor("beta")), "m");

      assertThat(upserted.providerName()).isEqualTo("alpha");
      assertThat(store.getAiProvider(upserted.id()).orElseThrow().apiKey().reveal())
          .isEqualTo(apiKeyFor("beta"));
    }
  }

  /**
   * Old keyset here; then another process with old and new, the new one primary, reads the old
   * keys, writes, and re-encrypts; then the new keyset alone reads every key, and the old one none.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void rotationAcrossTwoProcesses(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    String both = Keysets.withNewPrimary(KEYSET);
    String newOnly = Keysets.primaryOnly(both);
    try (SettingsStore store = open(db, KEYSET)) {
      writeProviders(store);
    }
    try (SettingsStore store = open(db, newOnly)) {
      assertThatThrownBy(() -> store.getAiProvider(1))
          .as("the new key alone, before re-encryption")
          .isInstanceOf(SettingsStorageException.class);
    }

    Path bothFile = Keysets.writeFile(dir, "both.json", both);
    try (ChildProcess child =
        ChildProcess.start(SecretsProcess.class, db.toArgument(), bothFile.toString(), "rotate")) {
      assertThat(child.awaitLine("RESULT", Duration.ofSeconds(60)))
          .isEqualTo("RESULT matching=4 total=4 rewritten=4");
    }

    try (SettingsStore store = open(db, newOnly)) {
      assertThat(store.listAiProviders())
          .hasSize(4)
          .allSatisfy(p -> assertThat(p.apiKey().reveal()).isEqualTo(apiKeyFor(p.providerName())));
    }
    try (SettingsStore store = open(db, KEYSET)) {
      for (long id = 1; id <= 4; id++) {
        long provider = id;
        assertThatThrownBy(() -> store.getAiProvider(provider))
            .as("the retired key, provider %d", id)
            .isInstanceOf(SettingsStorageException.class);
      }
    }
  }

  /** Four JVMs open a database with keys in clear at once: each key is encrypted once. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void fourProcessesOpeningAtOnceEncryptEachKeyOnce(Backend backend) throws Exception {
    TestDatabase db = backend.newDatabase(dir);
    List<String> names = new ArrayList<>();
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, db)) {
      for (int i = 0; i < 20; i++) {
        names.add("provider-" + i);
        store.addAiProvider(names.get(i), ApiKey.of(apiKeyFor(names.get(i))), null);
      }
    }
    Path keysetFile = Keysets.writeFile(dir, "keyset.json", KEYSET);
    List<ChildProcess> children = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        children.add(
            ChildProcess.start(
                SecretsProcess.class, db.toArgument(), keysetFile.toString(), "open"));
      }
      for (ChildProcess child : children) {
        child.awaitLine("READY", Duration.ofSeconds(60));
      }
      children.forEach(child -> child.send("GO"));
      for (ChildProcess child : children) {
        assertThat(child.awaitLine("RESULT", Duration.ofSeconds(60)))
            .isEqualTo("RESULT matching=20 total=20");
      }
    } finally {
      for (ChildProcess child : children) {
        child.close();
      }
    }
    try (SettingsStore store = open(db, KEYSET)) {
      assertThat(store.listAiProviders())
          .allSatisfy(p -> assertThat(p.apiKey().reveal()).isEqualTo(apiKeyFor(p.providerName())));
    }
    assertNoPieceOfTheKeysOf(names, storedText(db));
  }

  private static SettingsStore open(TestDatabase db, String keysetJson) {
    return SettingsStores.open(db.builder(Chain.DEFAULT).secretKeys(keysetJson).build());
  }

  /** Alpha, active, beta and gamma with keys, and setting k; then another row gets alpha's key. */
  private static void writeThenCopyAlphasCiphertextTo(TestDatabase db, String provider)
      throws SQLException {
    try (SettingsStore store = open(db, KEYSET)) {
      writeProviders(store);
      store.setActiveProvider(1);
      store.setSetting("k", "v");
    }
    db.execute(
        "UPDATE ai_providers SET api_key ="
            + " (SELECT api_key FROM ai_providers WHERE provider_name = 'alpha')"
            + " WHERE provider_name = '"
            + provider
            + "'");
  }

  private static void writeProviders(SettingsStore store) {
    for (String name : NAMES) {
      store.addAiProvider(name, ApiKey.of(apiKeyFor(name)), "m");
    }
  }

  private static void assertNoKeyIn(Throwable failure) {
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    assertNoPieceOfTheKeysOf(NAMES, trace.toString());
    assertThat(trace.toString()).doesNotContain(SecretKeys.SEALED_PREFIX);
  }

  /** No {@value Keysets#PIECE}-character piece of these providers' keys appears in the text. */
  private static void assertNoPieceOfTheKeysOf(List<String> providerNames, String text) {
    for (String name : providerNames) {
      assertThat(piecesFound(apiKeyFor(name), text)).as("pieces of %s's key", name).isEmpty();
    }
  }

  /**
   * What storage holds, as text: on SQLite the bytes of the file and its WAL; on PostgreSQL every
   * row of every table, as text.
   */
  private static String storedText(TestDatabase db) throws Exception {
    if (db.backend() == Backend.SQLITE) {
      StringBuilder bytes = new StringBuilder();
      for (Path file : List.of(db.file(), Path.of(db.file() + "-wal"))) {
        if (Files.exists(file)) {
          bytes.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
        }
      }
      return bytes.toString();
    }
    StringBuilder rows = new StringBuilder();
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement()) {
      for (String table :
          List.of("ai_providers", "settings", "settings_changes", "settings_revision")) {
        try (ResultSet rs = statement.executeQuery("SELECT t::text FROM " + table + " t")) {
          while (rs.next()) {
            rows.append(rs.getString(1)).append('\n');
          }
        }
      }
    }
    return rows.toString();
  }

  private static String capturingStderr(ThrowingRunnable work) throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      work.run();
    } finally {
      System.setErr(stderr);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private interface ThrowingRunnable {
    void run() throws SQLException;
  }
}

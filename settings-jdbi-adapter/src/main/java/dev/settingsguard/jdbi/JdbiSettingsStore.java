package dev.settingsguard.jdbi;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The port over one {@link Database} of either backend; the SQL is the same on both. Each operation
 * runs its SQL steps one by one, each in its own {@link Database#withHandle} call, on input that
 * the chain's outermost layer has already checked, and does nothing about concurrency: on its own
 * it shows the original bug (two writers interleave their steps; a reader sees zero active
 * providers between "deactivate all" and "activate one"). Wrapped in a transaction by a decorator,
 * every step joins that transaction's handle.
 *
 * <p>Timestamps are stored as microseconds since the epoch. An update sets {@code updated_at} to
 * the later of now and one microsecond after its previous value, so it always moves forward.
 */
public final class JdbiSettingsStore implements SettingsStore {

  /** In this order: {@link #provider} reads them by position. */
  private static final String PROVIDER_COLUMNS =
      "id, provider_name, api_key, model, is_active, updated_at";

  /** Moves {@code updated_at} forward: the later of now and one microsecond after its value. */
  private static final String NEXT_UPDATED_AT =
      "CASE WHEN :now > updated_at THEN :now ELSE updated_at + 1 END";

  private final Database database;

  /**
   * @param database the database this store reads and writes; closed when the store is closed
   */
  public JdbiSettingsStore(Database database) {
    this.database = Objects.requireNonNull(database, "database");
  }

  /**
   * @return the database this store uses
   */
  public Database database() {
    return database;
  }

  @Override
  public void setSetting(String key, String value) {
    upsertSetting(key, value, nowMicros());
  }

  /** All-or-nothing: every entry is checked first, then all are written in one transaction. */
  @Override
  public void setSettings(Map<String, String> entries) {
    long now = nowMicros();
    database.inTransaction(
        TransactionMode.ATOMIC,
        () -> {
          entries.forEach((key, value) -> upsertSetting(key, value, now));
          return null;
        });
  }

  /** Step 1: does the key exist? Step 2: update it, or insert it. */
  private void upsertSetting(String key, String value, long now) {
    boolean exists =
        database.withHandle(
            h ->
                h.createQuery("SELECT 1 FROM settings WHERE key = ?")
                    .bind(0, key)
                    .mapTo(Integer.class)
                    .findOne()
                    .isPresent());
    database.withHandle(
        h ->
            h.createUpdate(
                    exists
                        ? "UPDATE settings SET value = :value, updated_at = "
                            + NEXT_UPDATED_AT
                            + " WHERE key = :key"
                        : "INSERT INTO settings (key, value, updated_at) VALUES (:key, :value, :now)")
                .bind("key", key)
                .bind("value", value)
                .bind("now", now)
                .execute());
  }

  @Override
  public Optional<Setting> getSetting(String key) {
    return database.withHandle(
        h ->
            h.createQuery("SELECT key, value, updated_at FROM settings WHERE key = ?")
                .bind(0, key)
                .map(JdbiSettingsStore::setting)
                .findOne());
  }

  @Override
  public List<Setting> listSettings() {
    return database.withHandle(
        h ->
            h.createQuery("SELECT key, value, updated_at FROM settings ORDER BY key")
                .map(JdbiSettingsStore::setting)
                .list());
  }

  @Override
  public boolean deleteSetting(String key) {
    return database.withHandle(
        h -> h.createUpdate("DELETE FROM settings WHERE key = ?").bind(0, key).execute() > 0);
  }

  /**
   * Step 1: deactivate all. Step 2: update the provider of that name, active, returning its row.
   * Step 3, if there was none: insert it, active, returning its row.
   */
  @Override
  public AiProvider addAiProvider(String providerName, ApiKey apiKey, String model) {
    long now = nowMicros();
    String secret = apiKey == null ? null : apiKey.reveal();
    deactivateAll();
    Optional<AiProvider> updated =
        bindingSecret(
            secret,
            () ->
                database.withHandle(
                    h ->
                        h.createQuery(
                                "UPDATE ai_providers SET api_key = :key, model = :model,"
                                    + " is_active = 1, updated_at = "
                                    + NEXT_UPDATED_AT
                                    + " WHERE provider_name = :name RETURNING "
                                    + PROVIDER_COLUMNS)
                            .bind("key", secret)
                            .bind("model", model)
                            .bind("now", now)
                            .bind("name", providerName)
                            .map(JdbiSettingsStore::provider)
                            .findOne()));
    if (updated.isPresent()) {
      return updated.get();
    }
    return bindingSecret(
        secret,
        () ->
            database.withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO ai_providers"
                                + " (provider_name, api_key, model, is_active, created_at, updated_at)"
                                + " VALUES (:name, :key, :model, 1, :now, :now) RETURNING "
                                + PROVIDER_COLUMNS)
                        .bind("name", providerName)
                        .bind("key", secret)
                        .bind("model", model)
                        .bind("now", now)
                        .map(JdbiSettingsStore::provider)
                        .one()));
  }

  /**
   * Runs a step that binds an API key. If it fails for storage reasons, the database's message is
   * withheld: a foreign trigger, or a function one calls, can quote the bound key in it (SQLite's
   * {@code RAISE} takes any expression, and {@code json_extract} quotes a bad path).
   */
  private <R> R bindingSecret(String secret, Supplier<R> step) {
    if (secret == null) {
      return step.get();
    }
    try {
      return step.get();
    } catch (SettingsStorageException failure) {
      throw new SettingsStorageException(
          "Settings database "
              + database.name()
              + " failed writing an API key; the database's message is withheld, since a trigger"
              + " or a function it calls can quote the key in it",
          null);
    }
  }

  /**
   * Step 1: if the provider exists, deactivate the others. Step 2: activate it, returning the row;
   * no row means it does not exist, and then step 1 changed nothing either.
   */
  @Override
  public AiProvider setActiveProvider(long id) {
    long now = nowMicros();
    database.withHandle(
        h ->
            h.createUpdate(
                    "UPDATE ai_providers SET is_active = 0 WHERE is_active = 1 AND id <> :id"
                        + " AND EXISTS (SELECT 1 FROM ai_providers WHERE id = :id)")
                .bind("id", id)
                .execute());
    return database
        .withHandle(
            h ->
                h.createQuery(
                        "UPDATE ai_providers SET is_active = 1, updated_at = "
                            + NEXT_UPDATED_AT
                            + " WHERE id = :id RETURNING "
                            + PROVIDER_COLUMNS)
                    .bind("now", now)
                    .bind("id", id)
                    .map(JdbiSettingsStore::provider)
                    .findOne())
        .orElseThrow(() -> new ProviderNotFoundException(id));
  }

  /**
   * Step 1: delete it, returning whether it was active. Step 2: if it was, activate the most
   * recently updated remaining provider (ties: highest id), which moves its {@code updated_at}
   * forward as every activation does.
   *
   * @throws SettingsBusyException if the provider chosen in step 2 was deleted by a concurrent
   *     transaction while step 2 waited for its row, as can happen on PostgreSQL when no lock
   *     excludes the other writers: no provider would be active, so the operation fails and, in a
   *     transaction, changes nothing
   */
  @Override
  public boolean deleteAiProvider(long id) {
    long now = nowMicros();
    Optional<Integer> wasActive =
        database.withHandle(
            h ->
                h.createQuery("DELETE FROM ai_providers WHERE id = ? RETURNING is_active")
                    .bind(0, id)
                    .mapTo(Integer.class)
                    .findOne());
    if (wasActive.isPresent() && wasActive.get() == 1) {
      int promoted =
          database.withHandle(
              h ->
                  h.createUpdate(
                          "UPDATE ai_providers SET is_active = 1, updated_at = "
                              + NEXT_UPDATED_AT
                              + " WHERE id = (SELECT id FROM ai_providers"
                              + " ORDER BY updated_at DESC, id DESC LIMIT 1)")
                      .bind("now", now)
                      .execute());
      if (promoted == 0 && !listAiProviders().isEmpty()) {
        throw new SettingsBusyException(
            "rows of " + database.name(),
            Duration.ZERO,
            "the provider to make active was deleted by a concurrent transaction",
            null);
      }
    }
    return wasActive.isPresent();
  }

  /**
   * @throws SettingsStorageException if several providers are active, which only a foreign client
   *     that dropped the single-active index can cause
   */
  @Override
  public Optional<AiProvider> getActiveProvider() {
    List<AiProvider> active =
        database.withHandle(
            h ->
                h.createQuery(
                        "SELECT "
                            + PROVIDER_COLUMNS
                            + " FROM ai_providers WHERE is_active = 1 ORDER BY id LIMIT 2")
                    .map(JdbiSettingsStore::provider)
                    .list());
    if (active.size() > 1) {
      throw new SettingsStorageException(
          "Settings database "
              + database.name()
              + " has 2 active providers or more (ids "
              + active.stream().map(AiProvider::id).toList()
              + ", ...): another client dropped its single-active index; reopen to have it checked",
          null);
    }
    return active.stream().findFirst();
  }

  @Override
  public Optional<AiProvider> getAiProvider(long id) {
    return findProvider(id);
  }

  @Override
  public List<AiProvider> listAiProviders() {
    return database.withHandle(
        h ->
            h.createQuery("SELECT " + PROVIDER_COLUMNS + " FROM ai_providers ORDER BY id")
                .map(JdbiSettingsStore::provider)
                .list());
  }

  /** Closes the database's connections. */
  @Override
  public void close() {
    database.close();
  }

  @Override
  public String toString() {
    return "JdbiSettingsStore[" + database.name() + "]";
  }

  private void deactivateAll() {
    database.withHandle(
        h -> h.execute("UPDATE ai_providers SET is_active = 0 WHERE is_active = 1"));
  }

  private Optional<AiProvider> findProvider(long id) {
    return database.withHandle(
        h ->
            h.createQuery("SELECT " + PROVIDER_COLUMNS + " FROM ai_providers WHERE id = ?")
                .bind(0, id)
                .map(JdbiSettingsStore::provider)
                .findOne());
  }

  private static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  private static Instant instantOfMicros(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  private static Setting setting(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Setting(
        rs.getString("key"), rs.getString("value"), instantOfMicros(rs.getLong("updated_at")));
  }

  /** Reads the columns of {@link #PROVIDER_COLUMNS} by position, which skips a name lookup. */
  private static AiProvider provider(ResultSet rs, StatementContext ctx) throws SQLException {
    String secret = rs.getString(3);
    return new AiProvider(
        rs.getLong(1),
        rs.getString(2),
        secret == null ? null : ApiKey.ofStored(secret),
        rs.getString(4),
        rs.getInt(5) == 1,
        instantOfMicros(rs.getLong(6)));
  }
}

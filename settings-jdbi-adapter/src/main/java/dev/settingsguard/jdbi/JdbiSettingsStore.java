package dev.settingsguard.jdbi;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.ChangeKind;
import dev.settingsguard.core.ProviderNotFoundException;
import dev.settingsguard.core.RevisionConflictException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsListener;
import dev.settingsguard.core.SettingsStorageException;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import dev.settingsguard.jdbi.internal.ChangeFeed;
import dev.settingsguard.jdbi.internal.ChangeLogPage;
import java.security.GeneralSecurityException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The port over one {@link Database} of either backend; the SQL is the same on both, but that on
 * PostgreSQL a step that writes one row may log it in the same statement. Each operation runs its
 * SQL steps one by one, each in its own {@link Database#withHandle} call (taking the revision in
 * {@link Database#nextRevision()}; an activation runs its steps with the revision's, which in a
 * transaction on PostgreSQL go in one round trip, as do the activations of {@link
 * #setActiveProviders}), on input that the chain's outermost layer has already checked, and does
 * nothing about concurrency: on its own it shows the original bug (two writers interleave their
 * steps; a reader sees zero active providers between "deactivate all" and "activate one"; two
 * compare-and-sets both pass their check and one update is lost). Wrapped in a transaction by a
 * decorator, every step joins that transaction's handle.
 *
 * <p>Every write operation takes the next revision from the one-row counter {@code
 * settings_revision}, stamps it on the rows it writes and logs its changes in {@code
 * settings_changes}, in its own transaction: the counter's row stays locked until the commit, so
 * revisions commit in their order, which the change feed relies on. Taking it is every write's
 * first step, so a transaction holds the database's write lock (SQLite) or the counter's row lock
 * (PostgreSQL) from its first statement, and never reads before it writes: it waits for other
 * writers rather than fail after a read. Unguarded, each step commits alone and the steps of two
 * writers still interleave. A write that turns out to change nothing (deleting what is absent)
 * still takes a revision and logs nothing; a failed one, in a transaction, takes none. Every
 * {@value #TRIM_EVERY}th revision trims the log to the configured length.
 *
 * <p>With {@link SecretKeys}, API keys are stored encrypted: every write encrypts under the primary
 * key for the provider's name, every read decrypts, and opening encrypts keys stored in clear
 * before, in one transaction that takes a revision like a write. Without them, keys are stored as
 * given; opening warns of keys in clear, and a read of an encrypted key fails.
 *
 * <p>Timestamps are stored as microseconds since the epoch. An update sets {@code updated_at} to
 * the later of now and one microsecond after its previous value, so it always moves forward.
 */
public final class JdbiSettingsStore implements SettingsStore {

  /** How many revisions the change log keeps unless told otherwise. */
  public static final int DEFAULT_CHANGE_LOG_LENGTH = 10_000;

  /** The log is trimmed by the operations whose revision is a multiple of this. */
  static final int TRIM_EVERY = 64;

  /** In this order: {@link #provider} reads them by position. */
  private static final String PROVIDER_COLUMNS =
      "id, provider_name, api_key, model, is_active, updated_at, revision";

  private static final String SETTING_COLUMNS = "key, value, updated_at, revision";

  /** Moves {@code updated_at} forward: the later of now and one microsecond after its value. */
  private static final String NEXT_UPDATED_AT =
      "CASE WHEN :now > updated_at THEN :now ELSE updated_at + 1 END";

  /** The kinds this version reads from the log; a newer version's are not delivered. */
  private static final Set<String> KNOWN_KINDS =
      Arrays.stream(ChangeKind.values()).map(Enum::name).collect(Collectors.toUnmodifiableSet());

  /** Log rows per statement: 6 parameters each, far below SQLite's limit of 32,766. */
  private static final int LOG_ROWS_PER_STATEMENT = 500;

  private static final Logger LOG = LoggerFactory.getLogger(JdbiSettingsStore.class);

  private final Database database;
  private final int changeLogLength;

  /** {@code null}: keys are stored as given. */
  private final SecretKeys secretKeys;

  /** Without secret keys: whether keys in clear were warned of, at open or at the first write. */
  private final AtomicBoolean warnedOfKeysInClear = new AtomicBoolean();

  private final ChangeFeed feed;

  /**
   * An activation's statements after its revision, bound to {@code :id} and {@code :now}: step 1,
   * if the provider exists, deactivate the others; step 2, activate it, returning the row (and on
   * PostgreSQL logging it). Built once: the text is the same for every activation.
   */
  private final List<String> activationStatements;

  /**
   * A store whose change log keeps the last {@value #DEFAULT_CHANGE_LOG_LENGTH} revisions.
   *
   * @param database the database this store reads and writes; closed when the store is closed
   */
  public JdbiSettingsStore(Database database) {
    this(database, DEFAULT_CHANGE_LOG_LENGTH, null);
  }

  /**
   * Opens the store; with secret keys, encrypts the keys stored in clear first, and without, warns
   * once if there are any.
   *
   * @param database the database this store reads and writes; closed when the store is closed
   * @param changeLogLength how many revisions of changes the log keeps for watches that fall
   *     behind, at least 1; a watch further behind gets {@link SettingsListener#onReset}
   * @param secretKeys the keys that encrypt API keys at rest, or {@code null} to store them as
   *     given
   * @throws SettingsStorageException if the keys stored in clear cannot be encrypted; nothing
   *     changes
   */
  public JdbiSettingsStore(Database database, int changeLogLength, SecretKeys secretKeys) {
    this.database = Objects.requireNonNull(database, "database");
    if (changeLogLength < 1) {
      throw new IllegalArgumentException("changeLogLength must be at least 1: " + changeLogLength);
    }
    this.changeLogLength = changeLogLength;
    this.secretKeys = secretKeys;
    this.activationStatements =
        List.of(
            "UPDATE ai_providers SET is_active = 0, revision = :revision"
                + " WHERE is_active = 1 AND id <> :id"
                + " AND EXISTS (SELECT 1 FROM ai_providers WHERE id = :id)",
            loggingTheReturnedRow(
                "UPDATE ai_providers SET is_active = 1, revision = :revision, updated_at = "
                    + NEXT_UPDATED_AT
                    + " WHERE id = :id",
                PROVIDER_COLUMNS,
                ChangeKind.ACTIVE_PROVIDER_CHANGED));
    this.feed = new ChangeFeed(database.name(), database::openChangeSignal, this::readChanges);
    long keysInClear = countKeysInClear();
    if (keysInClear > 0 && secretKeys != null) {
      // Several processes may open at once: the first to take the revision encrypts, the others
      // then find nothing in clear.
      database.inTransaction(
          TransactionMode.EXCLUSIVE,
          () -> {
            nextRevision();
            return rewriteKeys(true);
          });
    } else if (keysInClear > 0) {
      warnOfKeysInClear(keysInClear + " API key(s)");
    }
  }

  /**
   * @return the database this store uses
   */
  public Database database() {
    return database;
  }

  /**
   * @return whether API keys are stored encrypted
   */
  public boolean hasSecretKeys() {
    return secretKeys != null;
  }

  @Override
  public void setSetting(String key, String value) {
    long now = nowMicros();
    long revision = nextRevision();
    upsertSetting(key, value, now, revision);
    logChanges(revision, now, List.of(new LoggedChange(ChangeKind.SETTING_WRITTEN, key, null)));
  }

  /**
   * All-or-nothing: every entry is checked first, then all are written in one transaction, as one
   * revision.
   */
  @Override
  public void setSettings(Map<String, String> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long now = nowMicros();
    database.inTransaction(
        TransactionMode.ATOMIC,
        () -> {
          long revision = nextRevision();
          List<LoggedChange> changes = new ArrayList<>(entries.size());
          entries.forEach(
              (key, value) -> {
                upsertSetting(key, value, now, revision);
                changes.add(new LoggedChange(ChangeKind.SETTING_WRITTEN, key, null));
              });
          logChanges(revision, now, changes);
          return null;
        });
  }

  /** Step 1: does the key exist? Step 2: update it, or insert it. */
  private void upsertSetting(String key, String value, long now, long revision) {
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
                        ? "UPDATE settings SET value = :value, revision = :revision, updated_at = "
                            + NEXT_UPDATED_AT
                            + " WHERE key = :key"
                        : "INSERT INTO settings (key, value, updated_at, revision)"
                            + " VALUES (:key, :value, :now, :revision)")
                .bind("key", key)
                .bind("value", value)
                .bind("now", now)
                .bind("revision", revision)
                .execute());
  }

  /**
   * Step 1: take the next revision. Step 2: read the setting's revision. Step 3: compare. Step 4:
   * write it, update or insert as the expectation says, returning the row. In a transaction, step 1
   * keeps every other writer out until the commit; unguarded, two writers pass the same check.
   */
  @Override
  public Setting replaceSetting(String key, long expectedRevision, String value) {
    long now = nowMicros();
    LoggedChange logged = new LoggedChange(ChangeKind.SETTING_WRITTEN, key, null);
    long revision = nextRevision();
    long actual =
        database.withHandle(
            h ->
                h.createQuery("SELECT revision FROM settings WHERE key = ?")
                    .bind(0, key)
                    .mapTo(Long.class)
                    .findOne()
                    .orElse(0L));
    if (actual != expectedRevision) {
      throw new RevisionConflictException("setting " + key, expectedRevision, actual);
    }
    Setting written =
        database.withHandle(
            h ->
                h.createQuery(
                        loggingTheReturnedRow(
                            expectedRevision == 0
                                ? "INSERT INTO settings (key, value, updated_at, revision)"
                                    + " VALUES (:key, :value, :now, :revision)"
                                : "UPDATE settings SET value = :value, revision = :revision,"
                                    + " updated_at = "
                                    + NEXT_UPDATED_AT
                                    + " WHERE key = :key",
                            SETTING_COLUMNS,
                            logged.kind()))
                    .bind("key", key)
                    .bind("value", value)
                    .bind("now", now)
                    .bind("revision", revision)
                    .map(JdbiSettingsStore::setting)
                    .findOne()
                    .orElseThrow(
                        () ->
                            new RevisionConflictException("setting " + key, expectedRevision, 0)));
    logUnlessTheWriteDid(revision, now, logged);
    return written;
  }

  @Override
  public Optional<Setting> getSetting(String key) {
    return database.withHandle(
        h ->
            h.createQuery("SELECT " + SETTING_COLUMNS + " FROM settings WHERE key = ?")
                .bind(0, key)
                .map(JdbiSettingsStore::setting)
                .findOne());
  }

  @Override
  public List<Setting> listSettings() {
    return database.withHandle(
        h ->
            h.createQuery("SELECT " + SETTING_COLUMNS + " FROM settings ORDER BY key")
                .map(JdbiSettingsStore::setting)
                .list());
  }

  /** Step 1: delete it. Step 2, if there was a row: log the deletion. */
  @Override
  public boolean deleteSetting(String key) {
    long now = nowMicros();
    long revision = nextRevision();
    boolean deleted =
        database.withHandle(
            h -> h.createUpdate("DELETE FROM settings WHERE key = ?").bind(0, key).execute() > 0);
    if (deleted) {
      logChanges(revision, now, List.of(new LoggedChange(ChangeKind.SETTING_DELETED, key, null)));
    }
    return deleted;
  }

  /**
   * Step 1: deactivate all. Step 2: update the provider of that name, active, returning its row.
   * Step 3, if there was none: insert it, active, returning its row. Step 4, with secret keys, if
   * the row's name is not the one the key was encrypted for (a column with a case-insensitive
   * collation matches "OpenAI" to "openai"): encrypt it again for the row's name. Step 5: log it.
   */
  @Override
  public AiProvider addAiProvider(String providerName, ApiKey apiKey, String model) {
    long now = nowMicros();
    String secret = apiKey == null ? null : toStored(providerName, apiKey.reveal());
    long revision = nextRevision();
    deactivateAll(revision);
    Optional<AiProvider> updated =
        bindingSecret(
            secret,
            () ->
                database.withHandle(
                    h ->
                        h.createQuery(
                                "UPDATE ai_providers SET api_key = :key, model = :model,"
                                    + " is_active = 1, revision = :revision, updated_at = "
                                    + NEXT_UPDATED_AT
                                    + " WHERE provider_name = :name RETURNING "
                                    + PROVIDER_COLUMNS)
                            .bind("key", secret)
                            .bind("model", model)
                            .bind("now", now)
                            .bind("revision", revision)
                            .bind("name", providerName)
                            .map(written(apiKey))
                            .findOne()));
    AiProvider stored =
        updated.orElseGet(
            () ->
                bindingSecret(
                    secret,
                    () ->
                        database.withHandle(
                            h ->
                                h.createQuery(
                                        "INSERT INTO ai_providers (provider_name, api_key, model,"
                                            + " is_active, created_at, updated_at, revision)"
                                            + " VALUES (:name, :key, :model, 1, :now, :now,"
                                            + " :revision) RETURNING "
                                            + PROVIDER_COLUMNS)
                                    .bind("name", providerName)
                                    .bind("key", secret)
                                    .bind("model", model)
                                    .bind("now", now)
                                    .bind("revision", revision)
                                    .map(written(apiKey))
                                    .one())));
    if (secretKeys != null && apiKey != null && !stored.providerName().equals(providerName)) {
      storeKey(stored.id(), secretKeys.seal(stored.providerName(), apiKey.reveal()));
    }
    logChanges(
        revision,
        now,
        List.of(
            new LoggedChange(ChangeKind.PROVIDER_WRITTEN, null, stored.id()),
            new LoggedChange(ChangeKind.ACTIVE_PROVIDER_CHANGED, null, stored.id())));
    return stored;
  }

  /**
   * Step 1: take the next revision. Step 2: read the provider's revision and name. Step 3: compare.
   * Step 4: update key (encrypted for that name) and model, returning the row. Step 5: log it (on
   * PostgreSQL, in step 4's statement).
   */
  @Override
  public AiProvider updateAiProvider(long id, long expectedRevision, ApiKey apiKey, String model) {
    long now = nowMicros();
    LoggedChange logged = new LoggedChange(ChangeKind.PROVIDER_WRITTEN, null, id);
    long revision = nextRevision();
    Map.Entry<Long, String> current =
        database
            .withHandle(
                h ->
                    h.createQuery("SELECT revision, provider_name FROM ai_providers WHERE id = ?")
                        .bind(0, id)
                        .map((rs, ctx) -> Map.entry(rs.getLong(1), rs.getString(2)))
                        .findOne())
            .orElseThrow(() -> new ProviderNotFoundException(id));
    long actual = current.getKey();
    if (actual != expectedRevision) {
      throw new RevisionConflictException("AI provider " + id, expectedRevision, actual);
    }
    String secret = apiKey == null ? null : toStored(current.getValue(), apiKey.reveal());
    AiProvider stored =
        bindingSecret(
                secret,
                () ->
                    database.withHandle(
                        h ->
                            h.createQuery(
                                    loggingTheReturnedRow(
                                        "UPDATE ai_providers SET api_key = :key, model = :model,"
                                            + " revision = :revision, updated_at = "
                                            + NEXT_UPDATED_AT
                                            + " WHERE id = :id",
                                        PROVIDER_COLUMNS,
                                        logged.kind()))
                                .bind("key", secret)
                                .bind("model", model)
                                .bind("revision", revision)
                                .bind("now", now)
                                .bind("id", id)
                                .map(written(apiKey))
                                .findOne()))
            .orElseThrow(() -> new ProviderNotFoundException(id));
    logUnlessTheWriteDid(revision, now, logged);
    return stored;
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
   * no row means it does not exist, and then step 1 changed nothing either. Step 3: log it (on
   * PostgreSQL, in step 2's statement). In a transaction on PostgreSQL, both steps go with the
   * revision's statement in one round trip.
   */
  @Override
  public AiProvider setActiveProvider(long id) {
    long now = nowMicros();
    Database.Revised<AiProvider> activation =
        nextRevision(
            new Database.WriteAfterRevision<>(
                activationStatements, Map.of("id", id, "now", now), this::provider));
    AiProvider active = activation.row().orElseThrow(() -> new ProviderNotFoundException(id));
    logUnlessTheWriteDid(
        activation.revision(), now, new LoggedChange(ChangeKind.ACTIVE_PROVIDER_CHANGED, null, id));
    return active;
  }

  /**
   * Activates the providers one after the other, each with a revision of its own, as {@link
   * #setActiveProvider} would one by one: the last is left active, and each returned row is the
   * provider as its activation left it. In a transaction on PostgreSQL they are made all at once,
   * in one round trip whose statements are the same whatever the number of providers ({@link
   * #ACTIVATIONS_AT_ONCE}), which is why a lock that queues activations hands them here together;
   * elsewhere one by one. Meant for a transaction: when one provider does not exist, at once they
   * change nothing, and one by one those before it are undone only by the transaction's rollback
   * (or its savepoint's).
   *
   * @param ids the providers, in order; one may come more than once
   * @return each activated provider's row, in order
   * @throws ProviderNotFoundException for the first provider that does not exist
   */
  public List<AiProvider> setActiveProviders(List<Long> ids) {
    if (ids.size() < 2 || !database.sendsStatementsTogether() || !database.inOpenTransaction()) {
      List<AiProvider> active = new ArrayList<>(ids.size());
      ids.forEach(id -> active.add(setActiveProvider(id)));
      return active;
    }
    Database.Taken<AiProvider> taken =
        database.nextRevisions(
            "(CASE WHEN " + ALL_EXIST + " THEN cardinality(CAST(:ids AS BIGINT[])) ELSE 0 END)",
            new Database.WriteAfterRevision<>(
                ACTIVATIONS_AT_ONCE,
                Map.of(
                    "ids", ids.toArray(Long[]::new),
                    "last", ids.get(ids.size() - 1),
                    "now", nowMicros()),
                this::provider));
    List<AiProvider> active = taken.rows();
    for (int i = 0; i < ids.size(); i++) {
      if (i == active.size() || active.get(i).id() != ids.get(i)) {
        throw new ProviderNotFoundException(ids.get(i));
      }
    }
    for (long revision = taken.lastRevision() - ids.size() + 1;
        revision <= taken.lastRevision();
        revision++) {
      trimIfDue(revision);
    }
    return active;
  }

  /** That every provider of {@code :ids} exists: else the activations at once change nothing. */
  private static final String ALL_EXIST =
      "NOT EXISTS (SELECT 1 FROM unnest(CAST(:ids AS BIGINT[])) AS wanted(id)"
          + " WHERE NOT EXISTS (SELECT 1 FROM ai_providers q WHERE q.id = wanted.id))";

  /**
   * PostgreSQL's statements for several activations at once, after the statement that took their
   * revisions, bound to the providers in order ({@code :ids}, a {@code BIGINT[]}), the last of them
   * ({@code :last}), {@code :now}, and the last of their revisions ({@code :revision}). For {@code
   * n} activations the {@code k}th one's revision is {@code :revision - n + k}, and its clock reads
   * {@code :now + k - 1} microseconds, so that later activations stay later. Each row ends as the
   * activations one by one would have left it, and none is ever active beside another. Step 1
   * deactivates the others that were active or are activated, each at the revision of the
   * activation after its last one. Step 2, from the rows as they were: moves each activated row's
   * {@code updated_at} as its activations would have (the {@code j}th of a provider to the later of
   * its clock and {@code j} microseconds after its first value), activates the last at the last
   * revision, logs every activation and returns the rows as each activation left its provider. If a
   * provider does not exist, it returns no row and nothing changes, nor was a revision taken.
   */
  private static final List<String> ACTIVATIONS_AT_ONCE = activationsAtOnce();

  private static List<String> activationsAtOnce() {
    String ids = "unnest(CAST(:ids AS BIGINT[])) WITH ORDINALITY AS ids(id, k)";
    String first = ":revision - cardinality(CAST(:ids AS BIGINT[]))";
    return List.of(
        "UPDATE ai_providers SET is_active = 0, revision = ended.revision"
            + " FROM (SELECT p.id, "
            + first
            + " + COALESCE(act.last_k + 1, 1) AS revision"
            + " FROM ai_providers p LEFT JOIN (SELECT id, max(k) AS last_k FROM "
            + ids
            + " GROUP BY id) act ON act.id = p.id"
            + " WHERE (p.is_active = 1 OR act.id IS NOT NULL) AND p.id <> :last) ended"
            + " WHERE ai_providers.id = ended.id AND "
            + ALL_EXIST,
        "WITH act AS (SELECT id, k, count(*) OVER (PARTITION BY id) AS times,"
            + " row_number() OVER (PARTITION BY id ORDER BY k) AS nth FROM "
            + ids
            + "), activated AS (SELECT p.id, p.provider_name, p.api_key, p.model,"
            + " 1 AS is_active, GREATEST(:now + act.k - 1, p.updated_at + act.nth) AS updated_at, "
            + first
            + " + act.k AS revision, act.k, act.nth, act.times"
            + " FROM act JOIN ai_providers p ON p.id = act.id),"
            + " moved AS (UPDATE ai_providers SET updated_at = activated.updated_at,"
            + " is_active = CASE WHEN ai_providers.id = :last THEN 1 ELSE 0 END,"
            + " revision = CASE WHEN ai_providers.id = :last THEN :revision"
            + " ELSE ai_providers.revision END"
            + " FROM activated WHERE ai_providers.id = activated.id"
            + " AND activated.nth = activated.times AND "
            + ALL_EXIST
            + "), logged AS (INSERT INTO settings_changes"
            + " (revision, seq, kind, setting_key, provider_id, changed_at)"
            + " SELECT revision, 0, 'ACTIVE_PROVIDER_CHANGED', NULL, id, :now + k - 1"
            + " FROM activated WHERE "
            + ALL_EXIST
            + ") SELECT "
            + PROVIDER_COLUMNS
            + " FROM activated ORDER BY k");
  }

  /**
   * Step 1: delete it, returning whether it was active. Step 2: if it was, activate the most
   * recently updated remaining provider (ties: highest id), which moves its {@code updated_at}
   * forward as every activation does. Step 3: log it.
   *
   * @throws SettingsBusyException if the provider chosen in step 2 was deleted by a concurrent
   *     transaction while step 2 waited for its row, as can happen on PostgreSQL when no lock
   *     excludes the other writers: no provider would be active, so the operation fails and, in a
   *     transaction, changes nothing
   */
  @Override
  public boolean deleteAiProvider(long id) {
    long now = nowMicros();
    long revision = nextRevision();
    Optional<Integer> wasActive =
        database.withHandle(
            h ->
                h.createQuery("DELETE FROM ai_providers WHERE id = ? RETURNING is_active")
                    .bind(0, id)
                    .mapTo(Integer.class)
                    .findOne());
    if (wasActive.isEmpty()) {
      return false;
    }
    List<LoggedChange> changes = new ArrayList<>(2);
    changes.add(new LoggedChange(ChangeKind.PROVIDER_DELETED, null, id));
    if (wasActive.get() == 1) {
      Optional<Long> promoted =
          database.withHandle(
              h ->
                  h.createQuery(
                          "UPDATE ai_providers SET is_active = 1, revision = :revision,"
                              + " updated_at = "
                              + NEXT_UPDATED_AT
                              + " WHERE id = (SELECT id FROM ai_providers"
                              + " ORDER BY updated_at DESC, id DESC LIMIT 1) RETURNING id")
                      .bind("revision", revision)
                      .bind("now", now)
                      .mapTo(Long.class)
                      .findOne());
      if (promoted.isEmpty() && !listAiProviders().isEmpty()) {
        throw new SettingsBusyException(
            "rows of " + database.name(),
            Duration.ZERO,
            "the provider to make active was deleted by a concurrent transaction",
            null);
      }
      changes.add(
          new LoggedChange(ChangeKind.ACTIVE_PROVIDER_CHANGED, null, promoted.orElse(null)));
    }
    logChanges(revision, now, changes);
    return true;
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
                    .map(this::provider)
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
                .map(this::provider)
                .list());
  }

  /**
   * Takes a revision first, like every write, so that no write of this library runs between the
   * read of a key and its rewrite; logs no change.
   */
  @Override
  public int reencryptSecrets() {
    if (secretKeys == null) {
      throw new IllegalStateException(
          "Settings database " + database.name() + " was opened without secret keys");
    }
    return database.inTransaction(
        TransactionMode.ATOMIC,
        () -> {
          nextRevision();
          return rewriteKeys(false);
        });
  }

  @Override
  public long currentRevision() {
    return database.withHandle(
        h -> h.createQuery("SELECT revision FROM settings_revision").mapTo(Long.class).one());
  }

  /** Delivered on this store's feed thread, which runs while a watch is open. */
  @Override
  public SettingsWatch watch(long afterRevision, SettingsListener listener) {
    return feed.watch(afterRevision, listener);
  }

  /** Stops the change feed, then closes the database's connections. */
  @Override
  public void close() {
    try {
      feed.close();
    } finally {
      database.close();
    }
  }

  @Override
  public String toString() {
    return "JdbiSettingsStore[" + database.name() + "]";
  }

  /** Keys stored in clear; one statement, run at open. */
  private long countKeysInClear() {
    return database.withHandle(
        h ->
            h.createQuery(
                    "SELECT COUNT(*) FROM ai_providers"
                        + " WHERE api_key IS NOT NULL AND substr(api_key, 1, ?) <> ?")
                .bind(0, SecretKeys.SEALED_PREFIX.length())
                .bind(1, SecretKeys.SEALED_PREFIX)
                .mapTo(Long.class)
                .one());
  }

  /**
   * Encrypts every stored key under the primary key, or only those in clear; inside the caller's
   * transaction, which holds the write lock, and after its revision when it takes one.
   *
   * @return how many keys were rewritten
   */
  private int rewriteKeys(boolean inClearOnly) {
    record StoredKey(long id, String providerName, String stored) {}
    List<StoredKey> keys =
        database.withHandle(
            h ->
                h.createQuery(
                        "SELECT id, provider_name, api_key FROM ai_providers"
                            + " WHERE api_key IS NOT NULL ORDER BY id")
                    .map(
                        (rs, ctx) -> new StoredKey(rs.getLong(1), rs.getString(2), rs.getString(3)))
                    .list());
    int rewritten = 0;
    for (StoredKey key : keys) {
      if (inClearOnly && SecretKeys.isSealed(key.stored())) {
        continue;
      }
      String inClear = inClear(key.id(), key.providerName(), key.stored());
      // The caller's revision excludes this library's other writers: the row is as read.
      rewritten += storeKey(key.id(), secretKeys.seal(key.providerName(), inClear));
    }
    if (rewritten > 0) {
      database.runAfterCommit(database::eraseOlderCopies);
    }
    return rewritten;
  }

  /**
   * @return how many rows now store {@code sealed} as their key: 1, or 0 if the row is gone
   */
  private int storeKey(long id, String sealed) {
    return bindingSecret(
        sealed,
        () ->
            database.withHandle(
                h -> h.execute("UPDATE ai_providers SET api_key = ? WHERE id = ?", sealed, id)));
  }

  /** The form a key is stored in: encrypted with secret keys, else as given, with a warning. */
  private String toStored(String providerName, String apiKey) {
    if (secretKeys == null) {
      warnOfKeysInClear("API keys");
      return apiKey;
    }
    return secretKeys.seal(providerName, apiKey);
  }

  private void warnOfKeysInClear(String what) {
    if (warnedOfKeysInClear.compareAndSet(false, true)) {
      LOG.warn(
          "Settings database {} stores {} in clear: configure secret keys to encrypt them",
          database.name(),
          what);
    }
  }

  /**
   * @param stored a stored API key, or {@code null}
   * @return the key in clear: as stored, or decrypted if it is stored encrypted
   * @throws SettingsStorageException naming the provider, never the key, if the key is stored
   *     encrypted and the store has no secret keys or none of them decrypts it for this row
   */
  private String inClear(long id, String providerName, String stored) {
    if (stored == null || !SecretKeys.isSealed(stored)) {
      return stored;
    }
    if (secretKeys == null) {
      throw new SettingsStorageException(
          "Settings database "
              + database.name()
              + " stores the API key of provider '"
              + providerName
              + "' (id "
              + id
              + ") encrypted, and this store has no secret keys: configure the keyset that"
              + " encrypted it",
          null);
    }
    try {
      return secretKeys.open(providerName, stored);
    } catch (GeneralSecurityException undecryptable) {
      throw new SettingsStorageException(
          "Settings database "
              + database.name()
              + ": the API key of provider '"
              + providerName
              + "' (id "
              + id
              + ") does not decrypt with the configured secret keys ("
              + secretKeys
              + "); it was encrypted under a key they lack, or for another row",
          null);
    }
  }

  private void deactivateAll(long revision) {
    database.withHandle(
        h ->
            h.createUpdate(
                    "UPDATE ai_providers SET is_active = 0, revision = ? WHERE is_active = 1")
                .bind(0, revision)
                .execute());
  }

  /**
   * Takes the next revision; every {@value #TRIM_EVERY}th also trims the log to {@link
   * #changeLogLength} revisions.
   */
  private long nextRevision() {
    long revision = database.nextRevision();
    trimIfDue(revision);
    return revision;
  }

  /**
   * Takes the next revision and makes the write, in one round trip where the backend can; every
   * {@value #TRIM_EVERY}th revision also trims the log, after the write.
   */
  private <R> Database.Revised<R> nextRevision(Database.WriteAfterRevision<R> write) {
    Database.Revised<R> revised = database.nextRevision(write);
    trimIfDue(revised.revision());
    return revised;
  }

  private void trimIfDue(long revision) {
    long trimThrough = revision - changeLogLength;
    if (revision % TRIM_EVERY == 0 && trimThrough > 0) {
      database.withHandle(
          h -> {
            h.execute("DELETE FROM settings_changes WHERE revision <= ?", trimThrough);
            return h.execute(
                "UPDATE settings_revision SET trimmed_through = ? WHERE trimmed_through < ?",
                trimThrough,
                trimThrough);
          });
    }
  }

  /**
   * A statement that writes one row, bound to {@code :revision} and {@code :now}, returning its
   * {@code columns}; where {@link Database#logsInWritingStatement} says a statement can write two
   * tables, one that also logs a change of {@code kind} for the row it writes, if it writes one, as
   * {@link #logChanges} would: one round trip less. Elsewhere {@link #logUnlessTheWriteDid} logs
   * it.
   *
   * @param columns {@link #PROVIDER_COLUMNS} or {@link #SETTING_COLUMNS}, whose {@code id} or
   *     {@code key} the log names
   */
  private String loggingTheReturnedRow(String write, String columns, ChangeKind kind) {
    if (!database.logsInWritingStatement()) {
      return write + " RETURNING " + columns;
    }
    String named = columns.equals(PROVIDER_COLUMNS) ? "NULL, id" : "key, NULL";
    return "WITH written AS ("
        + write
        + " RETURNING "
        + columns
        + "), logged AS (INSERT INTO settings_changes"
        + " (revision, seq, kind, setting_key, provider_id, changed_at)"
        + " SELECT :revision, 0, '"
        + kind.name()
        + "', "
        + named
        + ", :now FROM written) SELECT "
        + columns
        + " FROM written";
  }

  /** Logs the one change of a write, unless {@link #loggingTheReturnedRow} had the write log it. */
  private void logUnlessTheWriteDid(long revision, long now, LoggedChange change) {
    if (!database.logsInWritingStatement()) {
      logChanges(revision, now, List.of(change));
    }
  }

  private void logChanges(long revision, long now, List<LoggedChange> changes) {
    for (int from = 0; from < changes.size(); from += LOG_ROWS_PER_STATEMENT) {
      List<LoggedChange> part =
          changes.subList(from, Math.min(changes.size(), from + LOG_ROWS_PER_STATEMENT));
      int firstSeq = from;
      database.withHandle(
          h -> {
            StringBuilder sql =
                new StringBuilder(
                    "INSERT INTO settings_changes"
                        + " (revision, seq, kind, setting_key, provider_id, changed_at) VALUES ");
            for (int i = 0; i < part.size(); i++) {
              sql.append(i == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)");
            }
            var insert = h.createUpdate(sql.toString());
            int position = 0;
            for (int i = 0; i < part.size(); i++) {
              LoggedChange change = part.get(i);
              insert
                  .bind(position++, revision)
                  .bind(position++, firstSeq + i)
                  .bind(position++, change.kind().name())
                  .bind(position++, change.settingKey())
                  .bind(position++, change.providerId())
                  .bind(position++, now);
            }
            return insert.execute();
          });
    }
  }

  /**
   * Reads the changes of the first {@code revisions} revisions after {@code afterRevision}, whole
   * revisions only, with the counter, in one statement: one snapshot on every backend.
   */
  private ChangeLogPage readChanges(long afterRevision, int revisions) {
    return database.withHandle(
        h -> {
          long[] counter = new long[2];
          List<SettingsChange> changes =
              h.createQuery(
                      "SELECT r.revision, r.trimmed_through, c.revision, c.kind, c.setting_key,"
                          + " c.provider_id, c.changed_at FROM settings_revision r"
                          + " LEFT JOIN settings_changes c ON c.revision IN"
                          + " (SELECT DISTINCT revision FROM settings_changes WHERE revision > ?"
                          + " ORDER BY revision LIMIT ?) ORDER BY c.revision, c.seq")
                  .bind(0, afterRevision)
                  .bind(1, revisions)
                  .map(
                      (rs, ctx) -> {
                        counter[0] = rs.getLong(1);
                        counter[1] = rs.getLong(2);
                        String kind = rs.getString(4);
                        if (kind == null || !KNOWN_KINDS.contains(kind)) {
                          // No change, or one of a kind that a newer version of the library logs.
                          return null;
                        }
                        long providerId = rs.getLong(6);
                        boolean noProvider = rs.wasNull();
                        return new SettingsChange(
                            rs.getLong(3),
                            ChangeKind.valueOf(kind),
                            rs.getString(5),
                            noProvider ? null : providerId,
                            instantOfMicros(rs.getLong(7)));
                      })
                  .filter(Objects::nonNull)
                  .list();
          return new ChangeLogPage(counter[0], counter[1], changes);
        });
  }

  private Optional<AiProvider> findProvider(long id) {
    return database.withHandle(
        h ->
            h.createQuery("SELECT " + PROVIDER_COLUMNS + " FROM ai_providers WHERE id = ?")
                .bind(0, id)
                .map(this::provider)
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
        rs.getString(1), rs.getString(2), instantOfMicros(rs.getLong(3)), rs.getLong(4));
  }

  /**
   * Reads a row this operation has just written with {@code apiKey}: the key as given, not
   * decrypted again.
   */
  private static RowMapper<AiProvider> written(ApiKey apiKey) {
    return (rs, ctx) -> provider(rs, apiKey);
  }

  /** Reads a row of {@link #PROVIDER_COLUMNS}, decrypting its key. */
  private AiProvider provider(ResultSet rs, StatementContext ctx) throws SQLException {
    String secret = inClear(rs.getLong(1), rs.getString(2), rs.getString(3));
    return provider(rs, secret == null ? null : ApiKey.ofStored(secret));
  }

  /** Reads the columns of {@link #PROVIDER_COLUMNS} by position, which skips a name lookup. */
  private static AiProvider provider(ResultSet rs, ApiKey apiKey) throws SQLException {
    return new AiProvider(
        rs.getLong(1),
        rs.getString(2),
        apiKey,
        rs.getString(4),
        rs.getInt(5) == 1,
        instantOfMicros(rs.getLong(6)),
        rs.getLong(7));
  }

  /** One change an operation logs; its revision, order and time are the operation's. */
  private record LoggedChange(ChangeKind kind, String settingKey, Long providerId) {}
}

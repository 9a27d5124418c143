package dev.settingsguard.locking;

import dev.settingsguard.jdbi.JdbiSettingsStore;
import dev.settingsguard.jdbi.SecretKeys;
import dev.settingsguard.jdbi.postgres.PostgresDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * How to open and guard a settings database. Immutable; build one with {@link #builder()}. Exactly
 * one backend is required: a SQLite file ({@link Builder#database(Path)}) or a PostgreSQL database
 * ({@link Builder#postgres(String)} or {@link Builder#postgres(DataSource)}).
 */
public final class SettingsConfig {

  /**
   * Default strategies on SQLite: safe across threads, processes and crashes, and the fastest such
   * chain.
   */
  public static final Set<Strategy> DEFAULT_STRATEGIES =
      Collections.unmodifiableSet(EnumSet.of(Strategy.JVM_LOCK, Strategy.SQLITE_IMMEDIATE));

  /** Default strategies on PostgreSQL: safe across threads, processes, machines and crashes. */
  public static final Set<Strategy> DEFAULT_POSTGRES_STRATEGIES =
      Collections.unmodifiableSet(EnumSet.of(Strategy.JVM_LOCK, Strategy.POSTGRES_ADVISORY_LOCK));

  /** Default bound on every wait for a lock. */
  public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

  /** The longest lock timeout: a wait is a bound, not a way to block for days. */
  public static final Duration MAX_LOCK_TIMEOUT = Duration.ofHours(1);

  private final Path database;
  private final String postgresUrl;
  private final DataSource postgresDataSource;
  private final Set<Strategy> strategies;
  private final Duration lockTimeout;
  private final Synchronous synchronous;
  private final int changeLogLength;
  private final boolean cachedReads;
  private final SecretKeys secretKeys;

  private SettingsConfig(Builder builder) {
    int backends =
        (builder.database != null ? 1 : 0)
            + (builder.postgresUrl != null ? 1 : 0)
            + (builder.postgresDataSource != null ? 1 : 0);
    if (backends != 1) {
      throw new IllegalStateException(
          (backends == 0 ? "No database given" : "Several databases given")
              + ": choose exactly one of database(Path), postgres(String) and"
              + " postgres(DataSource)");
    }
    boolean sqlite = builder.database != null;
    Set<Strategy> chosen =
        builder.strategies != null
            ? builder.strategies
            : sqlite ? DEFAULT_STRATEGIES : DEFAULT_POSTGRES_STRATEGIES;
    for (Strategy strategy : chosen) {
      if (sqlite ? !strategy.onSqlite() : !strategy.onPostgres()) {
        throw new IllegalStateException(
            strategy + " is " + (sqlite ? "PostgreSQL's" : "SQLite's") + ": not for this backend");
      }
    }
    if (!sqlite && builder.synchronous != null) {
      throw new IllegalStateException(
          "synchronous(…) is SQLite's; PostgreSQL commits follow the server's synchronous_commit");
    }
    this.database = builder.database;
    this.postgresUrl = builder.postgresUrl;
    this.postgresDataSource = builder.postgresDataSource;
    this.strategies = Collections.unmodifiableSet(EnumSet.copyOf(chosen));
    this.lockTimeout = builder.lockTimeout;
    this.synchronous = builder.synchronous != null ? builder.synchronous : Synchronous.NORMAL;
    this.changeLogLength = builder.changeLogLength;
    this.cachedReads = builder.cachedReads;
    this.secretKeys = builder.secretKeys;
  }

  /**
   * @return a builder with the defaults: the backend's default strategies, 5 s, {@code NORMAL}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return the SQLite database file, or {@code null} for PostgreSQL
   */
  public Path database() {
    return database;
  }

  /**
   * @return whether the backend is PostgreSQL
   */
  public boolean isPostgres() {
    return database == null;
  }

  /** The PostgreSQL URL, or {@code null}: package-private, since it may hold a password. */
  String postgresUrl() {
    return postgresUrl;
  }

  /** The application's PostgreSQL data source, or {@code null}. */
  DataSource postgresDataSource() {
    return postgresDataSource;
  }

  /**
   * @return the strategies, iterated in composition order (outermost first)
   */
  public Set<Strategy> strategies() {
    return strategies;
  }

  /**
   * @return the bound on each wait for a lock
   */
  public Duration lockTimeout() {
    return lockTimeout;
  }

  /**
   * @return the durability level of SQLite's commits ({@code NORMAL} unless set; unused with
   *     PostgreSQL)
   */
  public Synchronous synchronous() {
    return synchronous;
  }

  /**
   * @return how many revisions of changes the change log keeps
   */
  public int changeLogLength() {
    return changeLogLength;
  }

  /**
   * @return whether reads are served from an in-memory snapshot that the change feed keeps current
   */
  public boolean cachedReads() {
    return cachedReads;
  }

  /**
   * @return the keys that encrypt API keys at rest, or {@code null} when they are stored as given
   */
  public SecretKeys secretKeys() {
    return secretKeys;
  }

  /** Names the database without a password, and the secret keys by their ids only. */
  @Override
  public String toString() {
    String backend =
        database != null
            ? "database=" + database + ", synchronous=" + synchronous
            : postgresUrl != null
                ? "postgres=" + PostgresDatabase.redact(postgresUrl)
                : "postgres=" + postgresDataSource.getClass().getName();
    return "SettingsConfig["
        + backend
        + ", strategies="
        + strategies
        + ", lockTimeout="
        + lockTimeout
        + ", changeLogLength="
        + changeLogLength
        + ", cachedReads="
        + cachedReads
        + ", secretKeys="
        + secretKeys
        + "]";
  }

  /** Builds a {@link SettingsConfig}; each setter checks its argument at once. */
  public static final class Builder {

    private Path database;
    private String postgresUrl;
    private DataSource postgresDataSource;
    private Set<Strategy> strategies;
    private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
    private Synchronous synchronous;
    private int changeLogLength = JdbiSettingsStore.DEFAULT_CHANGE_LOG_LENGTH;
    private boolean cachedReads;
    private SecretKeys secretKeys;

    private Builder() {}

    /**
     * @param database the SQLite database file; its directory must exist
     * @return this builder
     */
    public Builder database(Path database) {
      this.database = Objects.requireNonNull(database, "database");
      return this;
    }

    /**
     * A PostgreSQL database reached by URL; the store opens a small connection pool of its own and
     * closes it with the store. Needs {@code org.postgresql:postgresql} and {@code
     * com.zaxxer:HikariCP} on the class path.
     *
     * @param jdbcUrl e.g. {@code jdbc:postgresql://db:5432/app?user=app&password=…}; {@code
     *     currentSchema} selects a schema other than the user's default
     * @return this builder
     */
    public Builder postgres(String jdbcUrl) {
      Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("not a pgjdbc URL (jdbc:postgresql:…)");
      }
      this.postgresUrl = jdbcUrl;
      return this;
    }

    /**
     * A PostgreSQL database reached through the application's data source, which the store uses and
     * never closes.
     *
     * @param dataSource connections to the database
     * @return this builder
     */
    public Builder postgres(DataSource dataSource) {
      this.postgresDataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * @param strategies one or more strategies of the chosen backend, in any order; {@code NONE}
     *     only on its own
     * @return this builder
     * @throws IllegalArgumentException if none is given or {@code NONE} is combined with others
     */
    public Builder strategies(Strategy... strategies) {
      Objects.requireNonNull(strategies, "strategies");
      if (strategies.length == 0) {
        throw new IllegalArgumentException("at least one strategy is required");
      }
      EnumSet<Strategy> chosen = EnumSet.noneOf(Strategy.class);
      for (Strategy strategy : strategies) {
        chosen.add(Objects.requireNonNull(strategy, "strategy"));
      }
      if (chosen.contains(Strategy.NONE) && chosen.size() > 1) {
        throw new IllegalArgumentException("NONE cannot be combined with other strategies");
      }
      this.strategies = chosen;
      return this;
    }

    /**
     * @param lockTimeout the bound on each wait for a lock, positive, at most an hour
     * @return this builder
     * @throws IllegalArgumentException if not positive or longer than {@link
     *     SettingsConfig#MAX_LOCK_TIMEOUT}
     */
    public Builder lockTimeout(Duration lockTimeout) {
      Objects.requireNonNull(lockTimeout, "lockTimeout");
      if (lockTimeout.isNegative() || lockTimeout.isZero()) {
        throw new IllegalArgumentException("lockTimeout must be positive: " + lockTimeout);
      }
      if (lockTimeout.compareTo(MAX_LOCK_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "lockTimeout must be at most " + MAX_LOCK_TIMEOUT + ": " + lockTimeout);
      }
      this.lockTimeout = lockTimeout;
      return this;
    }

    /**
     * @param synchronous the durability level of SQLite's commits; not for PostgreSQL
     * @return this builder
     */
    public Builder synchronous(Synchronous synchronous) {
      this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
      return this;
    }

    /**
     * How many revisions of changes the database's change log keeps for watches that fall behind
     * (default {@value JdbiSettingsStore#DEFAULT_CHANGE_LOG_LENGTH}); a watch further behind gets
     * {@link dev.settingsguard.core.SettingsListener#onReset}. The log is trimmed by every writer,
     * each to its own length: give every process the same.
     *
     * @param revisions at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder changeLogLength(int revisions) {
      if (revisions < 1) {
        throw new IllegalArgumentException("changeLogLength must be at least 1: " + revisions);
      }
      this.changeLogLength = revisions;
      return this;
    }

    /**
     * Serves reads from an in-memory snapshot of every setting and provider (default off). Every
     * snapshot is a committed state, in which the invariant holds; the store reads its own writes
     * at once; other writers' changes arrive within the change feed's delay (about 10 ms on SQLite,
     * a round trip on PostgreSQL). The store then keeps one watch open, and with it the feed's
     * thread and, on PostgreSQL, one connection of the pool.
     *
     * @param cachedReads whether to serve reads from memory
     * @return this builder
     */
    public Builder cachedReads(boolean cachedReads) {
      this.cachedReads = cachedReads;
      return this;
    }

    /**
     * Encrypts API keys at rest with a Google Tink AEAD keyset (needs {@value
     * SecretKeys#TINK_ARTIFACT} on the class path). Opening then encrypts the keys stored in clear
     * before; a key that no key of the keyset decrypts fails the reads of its provider only. {@link
     * SecretKeys#newKeysetJson()} makes a keyset.
     *
     * @param keysetJsonFile a file of mode 0600, or a secret manager's mounted file, holding the
     *     keyset in Tink's JSON keyset format; read now
     * @return this builder
     * @throws IllegalArgumentException naming the file if it is not a regular file holding such a
     *     keyset; never quoting it
     * @throws IllegalStateException if Tink is not on the class path, naming it
     */
    public Builder secretKeys(Path keysetJsonFile) {
      this.secretKeys = SecretKeys.fromFile(keysetJsonFile);
      return this;
    }

    /**
     * As {@link #secretKeys(Path)}, from the keyset itself, as from an environment variable.
     *
     * @param keysetJson the keyset in Tink's JSON keyset format
     * @return this builder
     * @throws IllegalArgumentException if it is not such a keyset; never quoting it
     * @throws IllegalStateException if Tink is not on the class path, naming it
     */
    public Builder secretKeys(String keysetJson) {
      this.secretKeys = SecretKeys.fromJson(keysetJson);
      return this;
    }

    /**
     * @return the configuration
     * @throws IllegalStateException if not exactly one database was given, a strategy is the other
     *     backend's, or {@code synchronous} was set for PostgreSQL
     */
    public SettingsConfig build() {
      return new SettingsConfig(this);
    }
  }
}

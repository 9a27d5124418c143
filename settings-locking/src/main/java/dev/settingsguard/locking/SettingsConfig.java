package dev.settingsguard.locking;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How to open and guard a settings database. Immutable; build one with {@link #builder()}. Only the
 * database path is required.
 */
public final class SettingsConfig {

  /** Default strategies: safe across threads, processes and crashes, and the fastest such chain. */
  public static final Set<Strategy> DEFAULT_STRATEGIES =
      Collections.unmodifiableSet(EnumSet.of(Strategy.JVM_LOCK, Strategy.SQLITE_IMMEDIATE));

  /** Default bound on every wait for a lock. */
  public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

  private final Path database;
  private final Set<Strategy> strategies;
  private final Duration lockTimeout;
  private final Synchronous synchronous;

  private SettingsConfig(Builder builder) {
    this.database = Objects.requireNonNull(builder.database, "database is required");
    this.strategies = Collections.unmodifiableSet(EnumSet.copyOf(builder.strategies));
    this.lockTimeout = builder.lockTimeout;
    this.synchronous = builder.synchronous;
  }

  /**
   * @return a builder with the defaults: {@code JVM_LOCK + SQLITE_IMMEDIATE}, 5 s, {@code NORMAL}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return the database file
   */
  public Path database() {
    return database;
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
   * @return the durability level of commits
   */
  public Synchronous synchronous() {
    return synchronous;
  }

  @Override
  public String toString() {
    return "SettingsConfig[database="
        + database
        + ", strategies="
        + strategies
        + ", lockTimeout="
        + lockTimeout
        + ", synchronous="
        + synchronous
        + "]";
  }

  /** Builds a {@link SettingsConfig}; each setter checks its argument at once. */
  public static final class Builder {

    private Path database;
    private Set<Strategy> strategies = DEFAULT_STRATEGIES;
    private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
    private Synchronous synchronous = Synchronous.NORMAL;

    private Builder() {}

    /**
     * @param database the database file; its directory must exist
     * @return this builder
     */
    public Builder database(Path database) {
      this.database = Objects.requireNonNull(database, "database");
      return this;
    }

    /**
     * @param strategies one or more strategies, in any order; {@code NONE} only on its own
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
     * @param lockTimeout the bound on each wait for a lock, positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder lockTimeout(Duration lockTimeout) {
      Objects.requireNonNull(lockTimeout, "lockTimeout");
      if (lockTimeout.isNegative() || lockTimeout.isZero()) {
        throw new IllegalArgumentException("lockTimeout must be positive: " + lockTimeout);
      }
      this.lockTimeout = lockTimeout;
      return this;
    }

    /**
     * @param synchronous the durability level of commits
     * @return this builder
     */
    public Builder synchronous(Synchronous synchronous) {
      this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
      return this;
    }

    /**
     * @return the configuration
     * @throws NullPointerException if no database was given
     */
    public SettingsConfig build() {
      return new SettingsConfig(this);
    }
  }
}

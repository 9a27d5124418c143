package dev.settingsguard.jdbi.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The small HikariCP pool a store opens for itself from a JDBC URL, with every wait bounded: for a
 * pooled connection and for a new one, for a lock ({@code lock_timeout} for every statement), for
 * the server's answer on an open connection (above the lock timeout, so that a lock wait ends in
 * {@code lock_timeout} first), and TCP keepalive for a peer that vanished. Referenced only once
 * HikariCP is known to be on the class path.
 */
public final class OwnedPool {

  /** Writes are serialized by the strategies; the rest serve concurrent reads. */
  private static final int MAXIMUM_SIZE = 8;

  private OwnedPool() {}

  /**
   * @param jdbcUrl the URL, which may hold a password
   * @param name the URL without its password, for the pool's name
   * @param lockTimeout the bound on every lock wait
   * @return the pool; close it with {@link #close}
   */
  public static DataSource open(String jdbcUrl, String name, Duration lockTimeout) {
    long lockSeconds = Math.max(1, (lockTimeout.toMillis() + 999) / 1000);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("settings-guard " + name);
    config.setMaximumPoolSize(MAXIMUM_SIZE);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(Math.max(250, lockTimeout.toMillis()));
    config.setValidationTimeout(Math.max(250, Math.min(5_000, lockTimeout.toMillis())));
    // Connect when the store opens, not when the pool is built: that failure is the store's.
    config.setInitializationFailTimeout(-1);
    config.addDataSourceProperty("connectTimeout", lockSeconds);
    config.addDataSourceProperty("loginTimeout", lockSeconds);
    config.addDataSourceProperty("socketTimeout", 2 * lockSeconds + 5);
    config.addDataSourceProperty("tcpKeepAlive", true);
    // Every statement, a read too, waits for a row's or a table's lock at most the lock timeout;
    // a session that stops inside a transaction is ended rather than holding its locks.
    long lockMillis = Math.max(1, lockTimeout.toMillis());
    config.addDataSourceProperty(
        "options",
        "-c lock_timeout=" + lockMillis + " -c idle_in_transaction_session_timeout=" + lockMillis);
    // The server's detail lines name a failing row's values; the library never shows them.
    config.addDataSourceProperty("logServerErrorDetail", false);
    return new HikariDataSource(config);
  }

  /**
   * @param pool a pool from {@link #open}
   */
  public static void close(DataSource pool) {
    ((HikariDataSource) pool).close();
  }
}

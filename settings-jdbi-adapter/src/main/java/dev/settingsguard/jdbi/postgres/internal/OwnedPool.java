package dev.settingsguard.jdbi.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
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

  private static final AtomicInteger POOLS = new AtomicInteger();

  private OwnedPool() {}

  /**
   * @param jdbcUrl the URL, which may hold a password
   * @param lockTimeout the bound on every lock wait
   * @return the pool; close it with {@link #close}
   */
  public static DataSource open(String jdbcUrl, Duration lockTimeout) {
    long lockSeconds = Math.max(1, (lockTimeout.toMillis() + 999) / 1000);
    long lockMillis = Math.max(1, lockTimeout.toMillis());
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    // Hikari's pool name shows in its logs, thread names and messages: never the URL.
    config.setPoolName("settings-guard-" + POOLS.incrementAndGet());
    config.setMaximumPoolSize(MAXIMUM_SIZE);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(Math.max(250, lockTimeout.toMillis()));
    config.setValidationTimeout(Math.max(250, Math.min(5_000, lockTimeout.toMillis())));
    // Connect when the store opens, not when the pool is built: that failure is the store's.
    config.setInitializationFailTimeout(-1);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    // Every statement, a read too, waits for a row's or a table's lock at most the lock timeout;
    // a session that stops inside a transaction is ended rather than holding its locks. Set per
    // connection, not through the URL's options, which a user's own options would replace.
    config.setConnectionInitSql(
        "SET lock_timeout = '"
            + lockMillis
            + "ms'; SET idle_in_transaction_session_timeout = '"
            + lockMillis
            + "ms'");
    // pgjdbc reads only String properties: anything else would be silently ignored.
    config.addDataSourceProperty("connectTimeout", String.valueOf(lockSeconds));
    config.addDataSourceProperty("loginTimeout", String.valueOf(lockSeconds));
    config.addDataSourceProperty(
        "socketTimeout", String.valueOf(socketTimeoutSeconds(lockTimeout)));
    config.addDataSourceProperty("tcpKeepAlive", "true");
    // Prepare every statement on the server at its first run, not its fifth: what a batch sends in
    // one round trip varies with what goes before it (the writers' lock, a savepoint's number) and
    // with the connection it got, and parsing and planning those statements anew cost the server as
    // much as running them (docs/performance.md).
    config.addDataSourceProperty("prepareThreshold", "1");
    // The server's detail lines name a failing row's values; the library never shows them.
    config.addDataSourceProperty("logServerErrorDetail", "false");
    return new HikariDataSource(config);
  }

  /**
   * @param lockTimeout the bound on every lock wait
   * @return how long a statement may go without an answer from the server: above the lock timeout,
   *     twice over, so that lock waits end in {@code lock_timeout}, and a few seconds for a loaded
   *     server, but bounded for one that stopped answering
   */
  public static long socketTimeoutSeconds(Duration lockTimeout) {
    long lockSeconds = Math.max(1, (lockTimeout.toMillis() + 999) / 1000);
    return 2 * lockSeconds + 2;
  }

  /**
   * @param pool a pool from {@link #open}
   */
  public static void close(DataSource pool) {
    ((HikariDataSource) pool).close();
  }
}

package dev.settingsguard.jdbi.sqlite.internal;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilderFactory;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Keeps each pooled connection's prepared statements for reuse: preparing a statement is a large
 * part of a short SQLite operation, and the store runs the same few statements over and over.
 *
 * <p>A statement is taken out of its connection's cache while it runs and put back when Jdbi closes
 * it, so two uses of the same SQL at once on one connection each get their own statement. It goes
 * back under the SQL it was prepared from, which for statements with named parameters is Jdbi's
 * rewritten SQL ({@code ?} in place of {@code :name}), not the text Jdbi passes when it closes the
 * statement. Statements that return generated keys are not kept. Cached statements close with their
 * connection; the pool closes its connections only when the database closes, and this cache goes
 * with it.
 *
 * <p>{@link #execute} runs a statement without parameters or results (transaction control) on the
 * same cache without going through Jdbi at all.
 */
public final class ReusedStatements implements StatementBuilderFactory {

  private final Map<Connection, Builder> byConnection = new ConcurrentHashMap<>();

  @Override
  public StatementBuilder createStatementBuilder(Connection connection) {
    return builderOf(connection);
  }

  /**
   * Executes a statement that takes no parameters and returns no rows, such as {@code COMMIT}, on
   * the connection's reused prepared statement for it.
   *
   * @param connection a pooled connection, used by the calling thread alone
   * @param sql the statement
   * @throws SQLException as the driver throws it
   */
  public void execute(Connection connection, String sql) throws SQLException {
    Builder statements = builderOf(connection);
    PreparedStatement statement = statements.take(connection, sql);
    try {
      statement.execute();
    } finally {
      statements.putBack(sql, statement);
    }
  }

  private Builder builderOf(Connection connection) {
    return byConnection.computeIfAbsent(connection, c -> new Builder());
  }

  /**
   * One connection's statements. A connection serves one handle, hence one thread, at a time: its
   * maps need no lock.
   */
  private static final class Builder implements StatementBuilder {
    private final Map<String, PreparedStatement> idle = new HashMap<>();
    private final Map<PreparedStatement, String> running = new IdentityHashMap<>();
    private final StatementBuilder plain = new DefaultStatementBuilder();

    @Override
    public Statement create(Connection connection, StatementContext context) throws SQLException {
      return plain.create(connection, context);
    }

    @Override
    public PreparedStatement create(Connection connection, String sql, StatementContext context)
        throws SQLException {
      if (context.isReturningGeneratedKeys()) {
        return plain.create(connection, sql, context);
      }
      PreparedStatement statement = take(connection, sql);
      running.put(statement, sql);
      return statement;
    }

    @Override
    public CallableStatement createCall(Connection connection, String sql, StatementContext context)
        throws SQLException {
      return plain.createCall(connection, sql, context);
    }

    /** Jdbi's {@code sql} here is the text before its rewriting: the key is the one taken. */
    @Override
    public void close(Connection connection, String sql, Statement statement) throws SQLException {
      String preparedFrom = running.remove(statement);
      if (preparedFrom != null) {
        putBack(preparedFrom, (PreparedStatement) statement);
      } else {
        plain.close(connection, sql, statement);
      }
    }

    /** The idle statement for {@code sql}, taken out of the cache, or a new one. */
    PreparedStatement take(Connection connection, String sql) throws SQLException {
      PreparedStatement reused = idle.remove(sql);
      return reused != null ? reused : connection.prepareStatement(sql);
    }

    /**
     * Keeps a statement that has run for its next use, unless it is closed, unusable or another
     * statement for the same SQL is idle already, in which case it is closed. After most errors the
     * driver frees the native statement but leaves the JDBC one open, and only using it tells:
     * clearing its parameters then fails, and that failure must not replace the one being thrown.
     */
    void putBack(String sql, PreparedStatement statement) throws SQLException {
      if (statement.isClosed() || idle.containsKey(sql)) {
        statement.close();
        return;
      }
      try {
        statement.clearParameters();
      } catch (SQLException unusable) {
        statement.close();
        return;
      }
      idle.put(sql, statement);
    }
  }
}

package dev.settingsguard.jdbi.internal;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
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
 * it, so two uses of the same SQL at once on one connection each get their own statement.
 * Statements that return generated keys are not kept. Cached statements close with their
 * connection; the pool closes its connections only when the database closes, and this cache goes
 * with it.
 *
 * <p>{@link #execute} runs a statement without parameters or results (transaction control) on the
 * same cache without going through Jdbi at all.
 */
public final class ReusedStatements implements StatementBuilderFactory {

  private final Map<Connection, Map<String, PreparedStatement>> byConnection =
      new ConcurrentHashMap<>();

  @Override
  public StatementBuilder createStatementBuilder(Connection connection) {
    return new Builder(idleOf(connection));
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
    Map<String, PreparedStatement> idle = idleOf(connection);
    PreparedStatement statement = take(idle, connection, sql);
    try {
      statement.execute();
    } finally {
      putBack(idle, sql, statement);
    }
  }

  private Map<String, PreparedStatement> idleOf(Connection connection) {
    // A connection serves one handle, hence one thread, at a time: its own map needs no lock.
    return byConnection.computeIfAbsent(connection, c -> new HashMap<>());
  }

  /** The connection's idle statement for {@code sql}, taken out of the cache, or a new one. */
  private static PreparedStatement take(
      Map<String, PreparedStatement> idle, Connection connection, String sql) throws SQLException {
    PreparedStatement reused = idle.remove(sql);
    return reused != null ? reused : connection.prepareStatement(sql);
  }

  /**
   * Keeps a statement that has run for its next use, unless it is closed or another statement for
   * the same SQL is idle already, in which case it is closed.
   */
  private static void putBack(
      Map<String, PreparedStatement> idle, String sql, PreparedStatement statement)
      throws SQLException {
    if (statement.isClosed() || idle.containsKey(sql)) {
      statement.close();
      return;
    }
    statement.clearParameters();
    idle.put(sql, statement);
  }

  private static final class Builder implements StatementBuilder {
    private final Map<String, PreparedStatement> idle;
    private final StatementBuilder plain = new DefaultStatementBuilder();

    Builder(Map<String, PreparedStatement> idle) {
      this.idle = idle;
    }

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
      return take(idle, connection, sql);
    }

    @Override
    public CallableStatement createCall(Connection connection, String sql, StatementContext context)
        throws SQLException {
      return plain.createCall(connection, sql, context);
    }

    @Override
    public void close(Connection connection, String sql, Statement statement) throws SQLException {
      if (statement instanceof PreparedStatement prepared && sql != null) {
        putBack(idle, sql, prepared);
      } else {
        plain.close(connection, sql, statement);
      }
    }
  }
}

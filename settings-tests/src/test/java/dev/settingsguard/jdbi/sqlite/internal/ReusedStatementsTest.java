package dev.settingsguard.jdbi.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.ConnectionFactory;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.result.ResultIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteException;

/**
 * The statement cache over one real SQLite connection, seen through the statements the connection
 * prepares: each SQL text is prepared once however often it runs, whether Jdbi rewrites it or not.
 */
@Timeout(30)
class ReusedStatementsTest {

  @TempDir Path dir;

  private Connection sqlite;
  private final List<Prepared> prepared = new ArrayList<>();
  private final ReusedStatements statements = new ReusedStatements();
  private Connection connection;
  private Jdbi jdbi;

  private record Prepared(String sql, PreparedStatement statement) {}

  @BeforeEach
  void openOneConnection() throws SQLException {
    sqlite = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("s.db"));
    try (var statement = sqlite.createStatement()) {
      statement.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      statement.execute("INSERT INTO t (id, v) VALUES (1, 'a')");
    }
    connection = recordingPrepares(sqlite);
    jdbi =
        Jdbi.create(
                new ConnectionFactory() {
                  @Override
                  public Connection openConnection() {
                    return connection;
                  }

                  @Override
                  public void closeConnection(Connection toClose) {
                    // One connection for the whole test, closed after it.
                  }
                })
            .setStatementBuilderFactory(statements);
  }

  @AfterEach
  void closeTheConnection() throws SQLException {
    sqlite.close();
  }

  @Test
  void preparesAStatementWithNamedParametersOnce() {
    for (int i = 0; i < 3; i++) {
      String value = "v" + i;
      jdbi.useHandle(
          h ->
              h.createUpdate("UPDATE t SET v = :value WHERE id = :id")
                  .bind("value", value)
                  .bind("id", 1)
                  .execute());
    }

    assertThat(preparedSql()).containsExactly("UPDATE t SET v = ? WHERE id = ?");
    String stored =
        jdbi.withHandle(h -> h.createQuery("SELECT v FROM t").mapTo(String.class).one());
    assertThat(stored).isEqualTo("v2");
  }

  @Test
  void preparesAPositionalQueryOnce() {
    for (int i = 0; i < 3; i++) {
      String value =
          jdbi.withHandle(
              h ->
                  h.createQuery("SELECT v FROM t WHERE id = ?")
                      .bind(0, 1)
                      .mapTo(String.class)
                      .one());
      assertThat(value).isEqualTo("a");
    }

    assertThat(preparedSql()).containsExactly("SELECT v FROM t WHERE id = ?");
  }

  @Test
  void closesEveryStatementThatReturnedGeneratedKeys() throws SQLException {
    for (int i = 0; i < 3; i++) {
      String value = "new" + i;
      jdbi.useHandle(
          h ->
              h.createUpdate("INSERT INTO t (v) VALUES (:value)")
                  .bind("value", value)
                  .executeAndReturnGeneratedKeys("id")
                  .mapTo(Long.class)
                  .one());
    }

    assertThat(prepared).hasSize(3);
    for (Prepared each : prepared) {
      assertThat(each.statement().isClosed()).as(each.sql()).isTrue();
    }
  }

  @Test
  void executeReusesTheTransactionStatements() throws SQLException {
    for (int i = 0; i < 3; i++) {
      statements.execute(connection, "BEGIN IMMEDIATE");
      statements.execute(connection, "ROLLBACK");
    }

    assertThat(preparedSql()).containsExactly("BEGIN IMMEDIATE", "ROLLBACK");
  }

  @Test
  void aFailedTransactionStatementThrowsSqlitesErrorAndIsPreparedAfreshNextTime()
      throws SQLException {
    Throwable failure = catchThrowable(() -> statements.execute(connection, "ROLLBACK"));

    assertThat(failure)
        .isInstanceOf(SQLiteException.class)
        .hasMessageContaining("no transaction is active");
    statements.execute(connection, "BEGIN IMMEDIATE");
    statements.execute(connection, "ROLLBACK");
    assertThat(preparedSql()).containsExactly("ROLLBACK", "BEGIN IMMEDIATE", "ROLLBACK");
    assertThat(prepared.get(0).statement().isClosed()).as("the failed one closed").isTrue();
  }

  @Test
  void givesTwoUsesOfOneSqlAtOnceTheirOwnStatements() {
    jdbi.useHandle(h -> h.execute("INSERT INTO t (id, v) VALUES (2, 'b')"));
    String sql = "SELECT v FROM t WHERE id >= :id ORDER BY id";

    List<String> seen = new ArrayList<>();
    jdbi.useHandle(
        h -> {
          try (ResultIterator<String> outer =
              h.createQuery(sql).bind("id", 1).mapTo(String.class).iterator()) {
            seen.add(outer.next());
            seen.addAll(h.createQuery(sql).bind("id", 1).mapTo(String.class).list());
            seen.add(outer.next());
          }
        });

    assertThat(seen).containsExactly("a", "a", "b", "b");
    assertThat(preparedSql())
        .containsExactly(
            "INSERT INTO t (id, v) VALUES (2, 'b')",
            "SELECT v FROM t WHERE id >= ? ORDER BY id",
            "SELECT v FROM t WHERE id >= ? ORDER BY id");
  }

  private List<String> preparedSql() {
    return prepared.stream().map(Prepared::sql).toList();
  }

  /** The real connection, recording every statement it prepares. */
  private Connection recordingPrepares(Connection real) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, arguments) -> {
              try {
                Object result = method.invoke(real, arguments);
                if (method.getName().equals("prepareStatement")) {
                  prepared.add(new Prepared((String) arguments[0], (PreparedStatement) result));
                }
                return result;
              } catch (InvocationTargetException thrown) {
                throw thrown.getCause();
              }
            });
  }
}

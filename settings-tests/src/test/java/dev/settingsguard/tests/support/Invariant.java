package dev.settingsguard.tests.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Reads the provider invariant straight from the database with plain JDBC, independent of the
 * library under test: if at least one provider exists, exactly one is active; if none, none.
 */
public final class Invariant {

  private Invariant() {}

  /** Providers and active providers, read in one statement, hence one snapshot. */
  public record Counts(int providers, int active) {
    /**
     * @return whether these counts satisfy the invariant
     */
    public boolean holds() {
      return providers == 0 ? active == 0 : active == 1;
    }
  }

  /**
   * @param database the database file
   * @return the counts in the latest committed snapshot
   */
  public static Counts read(Path database) {
    return read(TestDatabase.sqlite(database));
  }

  /**
   * @param database a test database of either backend
   * @return the counts in the latest committed snapshot
   */
  public static Counts read(TestDatabase database) {
    try (Connection connection = database.connect()) {
      return read(connection);
    } catch (SQLException failure) {
      throw new IllegalStateException("cannot read " + database, failure);
    }
  }

  /**
   * @param connection an open connection to the database
   * @return the counts in the latest committed snapshot
   * @throws SQLException if the read fails
   */
  public static Counts read(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT COUNT(*), COALESCE(SUM(is_active), 0) FROM ai_providers")) {
      rs.next();
      return new Counts(rs.getInt(1), rs.getInt(2));
    }
  }

  /**
   * @param database the database file
   * @return the result of {@code PRAGMA integrity_check}: {@code "ok"} for a sound file
   */
  public static String integrityCheck(Path database) {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("PRAGMA integrity_check")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException failure) {
      throw new IllegalStateException("cannot check " + database, failure);
    }
  }
}

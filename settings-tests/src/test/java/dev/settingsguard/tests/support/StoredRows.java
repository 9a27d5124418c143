package dev.settingsguard.tests.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows read straight from the database file with plain JDBC, so a test checks what was stored
 * rather than what the library under test reports.
 */
public final class StoredRows {

  private StoredRows() {}

  /** One row of {@code ai_providers}, without its timestamps. */
  public record ProviderRow(long id, String name, String apiKey, String model, boolean active) {}

  /**
   * @param database the database file
   * @param key a setting key
   * @return the value of every row with that key (the primary key allows at most one)
   */
  public static List<String> settingValues(Path database, String key) {
    return settingValues(TestDatabase.sqlite(database), key);
  }

  /**
   * @param database a database of either backend
   * @param key a setting key
   * @return the value of every row with that key (the primary key allows at most one)
   */
  public static List<String> settingValues(TestDatabase database, String key) {
    return query(database, "SELECT value FROM settings WHERE key = ?", rs -> rs.getString(1), key);
  }

  /**
   * @param database a database of either backend
   * @param afterRevision a revision
   * @return the change log's rows of later revisions, each as {@code "revision seq kind"}, in
   *     revision order
   */
  public static List<String> changesAfter(TestDatabase database, long afterRevision) {
    return query(
        database,
        "SELECT revision || ' ' || seq || ' ' || kind FROM settings_changes"
            + " WHERE revision > CAST(? AS BIGINT) ORDER BY revision, seq",
        rs -> rs.getString(1),
        String.valueOf(afterRevision));
  }

  /**
   * @param database the database file
   * @param name a provider name
   * @return every provider row with that name (the unique constraint allows at most one)
   */
  public static List<ProviderRow> providersNamed(Path database, String name) {
    return providersNamed(TestDatabase.sqlite(database), name);
  }

  /**
   * @param database a database of either backend
   * @param name a provider name
   * @return every provider row with that name (the unique constraint allows at most one)
   */
  public static List<ProviderRow> providersNamed(TestDatabase database, String name) {
    return query(
        database,
        "SELECT id, provider_name, api_key, model, is_active FROM ai_providers"
            + " WHERE provider_name = ?",
        StoredRows::provider,
        name);
  }

  /**
   * @param database the database file
   * @return every provider row, ordered by id
   */
  public static List<ProviderRow> providers(Path database) {
    return providers(TestDatabase.sqlite(database));
  }

  /**
   * @param database a database of either backend
   * @return every provider row, ordered by id
   */
  public static List<ProviderRow> providers(TestDatabase database) {
    return query(
        database,
        "SELECT id, provider_name, api_key, model, is_active FROM ai_providers ORDER BY id",
        StoredRows::provider);
  }

  private static ProviderRow provider(ResultSet rs) throws SQLException {
    return new ProviderRow(
        rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5) == 1);
  }

  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private static <T> List<T> query(
      TestDatabase database, String sql, RowMapper<T> mapper, String... arguments) {
    try (Connection connection = database.connect();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < arguments.length; i++) {
        statement.setString(i + 1, arguments[i]);
      }
      List<T> rows = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          rows.add(mapper.map(rs));
        }
      }
      return rows;
    } catch (SQLException failure) {
      throw new IllegalStateException("cannot read " + database, failure);
    }
  }
}

package dev.settingsguard.jdbi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsBusyException;
import dev.settingsguard.core.SettingsException;
import dev.settingsguard.core.SettingsStorageException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each row of the SQLSTATE table, with the driver's exception under Jdbi's as it arrives. */
class PostgresErrorsTest {

  private static final String DATABASE = "postgresql://db:5432/app (schema public)";
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Test
  void aLockTimeoutIsBusy() {
    assertThat(translate("ERROR: canceling statement due to lock timeout", "55P03"))
        .isInstanceOfSatisfying(
            SettingsBusyException.class,
            busy -> assertThat(busy.resource()).isEqualTo("row or table lock on " + DATABASE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"40001", "40P01"})
  void aSerializationFailureOrDeadlockIsBusy(String state) {
    assertThat(translate("ERROR: deadlock detected", state))
        .isInstanceOf(SettingsBusyException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"08006", "08001", "25P03", "57P01", "57P02", "57P03"})
  void aLostConnectionSaysSo(String state) {
    assertThat(translate("FATAL: terminating connection", state))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageStartingWith("Lost the connection to settings database " + DATABASE)
        .hasNoCause();
  }

  @Test
  void aTriggersRaisedTextIsWithheld() {
    assertThat(translate("ERROR: refused key sk-SECRET-123", "P0001"))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("a trigger refused the statement")
        .hasMessageNotContaining("SECRET");
  }

  @Test
  void theServersDetailLinesAreLeftOut() {
    SettingsException translated =
        translate(
            "ERROR: new row violates check constraint\n  Detail: Failing row contains (sk-SECRET)",
            "23514");

    assertThat(translated)
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageContaining("violates check constraint (SQLSTATE 23514)")
        .hasMessageNotContaining("SECRET")
        .hasNoCause();
  }

  @Test
  void aPoolWithoutAFreeConnectionIsBusyButAFailedConnectIsLost() {
    SQLTransientConnectionException exhausted =
        new SQLTransientConnectionException("Connection is not available, request timed out");
    assertThat(PostgresErrors.translate(exhausted, DATABASE, TIMEOUT))
        .isInstanceOf(SettingsBusyException.class);

    SQLTransientConnectionException refused =
        new SQLTransientConnectionException("Connection refused", "08001");
    assertThat(PostgresErrors.translate(refused, DATABASE, TIMEOUT))
        .isInstanceOf(SettingsStorageException.class)
        .hasMessageStartingWith("Lost the connection");
  }

  private static SettingsException translate(String message, String state) {
    SQLException driver = new SQLException(message, state);
    return PostgresErrors.translate(
        new UnableToExecuteStatementException(driver, null), DATABASE, TIMEOUT);
  }
}

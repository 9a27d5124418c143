package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.locking.SettingsConfig;
import dev.settingsguard.locking.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The configuration's defaults and its refusals. */
class SettingsConfigTest {

  @Test
  void onlyTheDatabaseIsRequired() {
    SettingsConfig config = SettingsConfig.builder().database(Path.of("s.db")).build();

    assertThat(config.strategies()).containsExactly(Strategy.JVM_LOCK, Strategy.SQLITE_IMMEDIATE);
    assertThat(config.lockTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.synchronous()).isEqualTo(Synchronous.NORMAL);
  }

  @Test
  void strategiesAreKeptInCompositionOrderWhateverTheOrderGiven() {
    SettingsConfig config =
        SettingsConfig.builder()
            .database(Path.of("s.db"))
            .strategies(Strategy.SQLITE_IMMEDIATE, Strategy.JVM_LOCK, Strategy.FILE_LOCK)
            .build();

    assertThat(config.strategies())
        .containsExactly(Strategy.JVM_LOCK, Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE);
  }

  @Test
  void refusesAMissingDatabase() {
    assertThatThrownBy(() -> SettingsConfig.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("No database given")
        .hasMessageContaining("database(Path)")
        .hasMessageContaining("postgres(String)");
  }

  @Test
  void refusesTwoDatabases() {
    assertThatThrownBy(
            () ->
                SettingsConfig.builder()
                    .database(Path.of("s.db"))
                    .postgres("jdbc:postgresql://db/app")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Several databases given");
  }

  @Test
  void refusesAStrategyOfTheOtherBackend() {
    assertThatThrownBy(
            () ->
                SettingsConfig.builder()
                    .database(Path.of("s.db"))
                    .strategies(Strategy.POSTGRES_ADVISORY_LOCK)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("POSTGRES_ADVISORY_LOCK is PostgreSQL's");
    for (Strategy sqliteOnly : new Strategy[] {Strategy.FILE_LOCK, Strategy.SQLITE_IMMEDIATE}) {
      assertThatThrownBy(
              () ->
                  SettingsConfig.builder()
                      .postgres("jdbc:postgresql://db/app")
                      .strategies(Strategy.JVM_LOCK, sqliteOnly)
                      .build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(sqliteOnly + " is SQLite's");
    }
  }

  @Test
  void refusesSynchronousForPostgres() {
    assertThatThrownBy(
            () ->
                SettingsConfig.builder()
                    .postgres("jdbc:postgresql://db/app")
                    .synchronous(Synchronous.FULL)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("synchronous_commit");
  }

  @Test
  void defaultsToTheAdvisoryLockOnPostgresAndShowsNoPassword() {
    SettingsConfig config =
        SettingsConfig.builder()
            .postgres("jdbc:postgresql://db/app?user=u&password=hunter2")
            .build();

    assertThat(config.strategies())
        .containsExactly(Strategy.JVM_LOCK, Strategy.POSTGRES_ADVISORY_LOCK);
    assertThat(config.toString()).doesNotContain("hunter2").contains("password=***");
  }

  @Test
  void refusesNoStrategiesAndNoneCombinedWithOthers() {
    assertThatThrownBy(() -> SettingsConfig.builder().strategies())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SettingsConfig.builder().strategies(Strategy.NONE, Strategy.JVM_LOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NONE");
  }

  @Test
  void refusesANonPositiveLockTimeout() {
    assertThatThrownBy(() -> SettingsConfig.builder().lockTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SettingsConfig.builder().lockTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void isImmutable() {
    SettingsConfig config = SettingsConfig.builder().database(Path.of("s.db")).build();

    assertThatThrownBy(() -> config.strategies().add(Strategy.FILE_LOCK))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}

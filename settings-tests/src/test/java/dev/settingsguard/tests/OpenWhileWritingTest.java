package dev.settingsguard.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.sqlite.SqliteDatabase;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import dev.settingsguard.tests.support.Chain;
import dev.settingsguard.tests.support.Invariant;
import dev.settingsguard.tests.support.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Another opener of the same file (a process starting up, say) must not make writers fail. Opening
 * a file whose schema is current takes no write lock; if it did, the lock-based chains, whose
 * transactions are deferred, would see instant busy errors whenever an open overlapped a write.
 */
@Timeout(120)
class OpenWhileWritingTest {

  private static final int WRITES = 300;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = Chain.class,
      names = {"JVM_LOCK", "FILE_LOCK", "SQLITE_IMMEDIATE", "DEFAULT", "ALL"})
  void writesSucceedWhileTheFileIsOpenedAgainAndAgain(Chain chain) throws Exception {
    Path db = dir.resolve("s.db");
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger opens = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, db)) {
      long a = store.addAiProvider("a", null, null).id();
      long b = store.addAiProvider("b", null, null).id();
      Thread opener =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try (SqliteDatabase other =
                      SqliteDatabase.open(db, Synchronous.NORMAL, Duration.ofSeconds(20))) {
                    opens.incrementAndGet();
                  } catch (RuntimeException failure) {
                    failures.add(failure);
                  }
                }
              },
              "opener");
      opener.start();
      try {
        for (int i = 0; i < WRITES; i++) {
          try {
            store.setActiveProvider(i % 2 == 0 ? a : b);
          } catch (RuntimeException failure) {
            failures.add(failure);
          }
        }
      } finally {
        stop.set(true);
        opener.join(30_000);
      }
    }

    assertThat(opens.get()).as("opens overlapping the writes").isPositive();
    assertThat(failures).isEmpty();
    assertThat(Invariant.read(db).holds()).isTrue();
  }
}

package dev.settingsguard.tests.support;

import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsListener;
import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.core.SettingsWatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM that watches a database's change feed and prints what it is given, for the tests of
 * the feed across processes and machines.
 *
 * <p>Protocol on stdout: {@code READY <revision>} once it watches after that revision; then {@code
 * CHANGE <revision> <kind>} per change and {@code RESET <revision>} per reset, as delivered. On
 * stdin {@code UNTIL <revision>}: it prints {@code CAUGHT_UP <last revision>} once a change of that
 * revision was delivered (or {@code BEHIND <last revision>} after 60 s), then exits.
 *
 * <p>Argument: the database (a file or a PostgreSQL URL).
 */
public final class FeedWatcherProcess {

  private FeedWatcherProcess() {}

  public static void main(String[] args) throws Exception {
    TestDatabase database = TestDatabase.fromArgument(args[0]);
    AtomicLong last = new AtomicLong();
    try (SettingsStore store = TestStores.open(Chain.DEFAULT, database)) {
      long after = store.currentRevision();
      last.set(after);
      SettingsListener printer =
          new SettingsListener() {
            @Override
            public void onChange(SettingsChange change) {
              System.out.println("CHANGE " + change.revision() + " " + change.kind());
              last.set(change.revision());
            }

            @Override
            public void onReset(long currentRevision) {
              System.out.println("RESET " + currentRevision);
            }
          };
      try (SettingsWatch watch = store.watch(after, printer)) {
        System.out.println("READY " + after);
        System.out.flush();
        String until =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        long revision = Long.parseLong(until.substring("UNTIL ".length()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (last.get() < revision && System.nanoTime() - deadline < 0) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        System.out.println((last.get() >= revision ? "CAUGHT_UP " : "BEHIND ") + last.get());
        System.out.flush();
      }
    }
  }
}

package dev.settingsguard.tests.support;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.RevisionConflictException;
import dev.settingsguard.core.Setting;
import dev.settingsguard.core.SettingsStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM whose threads each add 1 to a counter a number of times by compare-and-set, reading
 * again after a conflict, then report how many increments succeeded. The counter is the setting
 * {@code counter} ({@code replaceSetting}), or the model of the provider {@code counter} ({@code
 * updateAiProvider}).
 *
 * <p>Protocol: {@code READY}, then {@code GO} on stdin ({@link StartSignal}); at the end {@code
 * RESULT increments=N failed=M}. Arguments: database (a file or a PostgreSQL URL), {@link Chain}
 * name, threads, increments per thread, {@code setting} or {@code provider}. The store has slow
 * steps ({@link TestStores#openWithSlowSteps}).
 */
public final class IncrementingProcess {

  private IncrementingProcess() {}

  public static void main(String[] args) throws Exception {
    TestDatabase database = TestDatabase.fromArgument(args[0]);
    Chain chain = Chain.valueOf(args[1]);
    int threads = Integer.parseInt(args[2]);
    int increments = Integer.parseInt(args[3]);
    boolean provider = args[4].equals("provider");
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, database)) {
      StartSignal.announceReadyAndAwaitGo();
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread worker =
            new Thread(
                () -> {
                  for (int succeeded = 0; succeeded < increments; ) {
                    try {
                      if (provider) {
                        AiProvider read = store.listAiProviders().get(0);
                        int next = Integer.parseInt(read.model()) + 1;
                        store.updateAiProvider(
                            read.id(), read.revision(), read.apiKey(), String.valueOf(next));
                      } else {
                        Setting read = store.getSetting("counter").orElseThrow();
                        int next = Integer.parseInt(read.value()) + 1;
                        store.replaceSetting("counter", read.revision(), String.valueOf(next));
                      }
                      done.incrementAndGet();
                      succeeded++;
                    } catch (RevisionConflictException conflict) {
                      // Someone else incremented since the read: read again.
                    } catch (RuntimeException failure) {
                      failed.incrementAndGet();
                      succeeded++;
                    }
                  }
                });
        worker.start();
        workers.add(worker);
      }
      for (Thread worker : workers) {
        worker.join();
      }
    }
    System.out.println("RESULT increments=" + done.get() + " failed=" + failed.get());
    System.out.flush();
  }
}

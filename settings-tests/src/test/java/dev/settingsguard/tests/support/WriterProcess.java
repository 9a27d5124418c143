package dev.settingsguard.tests.support;

import dev.settingsguard.core.AiProvider;
import dev.settingsguard.core.ApiKey;
import dev.settingsguard.core.SettingsStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM that writes to a shared database for a fixed number of operations per thread, then
 * reports what happened. Run by the multi-process tests through {@link ChildProcess}.
 *
 * <p>Protocol on stdout: {@code READY} once the store is open; it then waits for {@code GO} on
 * stdin so that every process starts writing at the same moment; at the end {@code RESULT ok=N
 * failed=M} and one {@code FAILURE <type> x<count> (slowest after <ms> ms): <first message>} line
 * per exception type.
 *
 * <p>Arguments: database (a file or a PostgreSQL URL), {@link Chain} name, threads, operations per
 * thread, child index. The store is opened with slow steps ({@link TestStores#openWithSlowSteps}),
 * as in the thread tests. Half the operations activate a random existing provider, a quarter add
 * (or update) one of three providers named after this child, a quarter set one shared setting.
 */
public final class WriterProcess {

  private WriterProcess() {}

  public static void main(String[] args) throws Exception {
    TestDatabase database = TestDatabase.fromArgument(args[0]);
    Chain chain = Chain.valueOf(args[1]);
    int threads = Integer.parseInt(args[2]);
    int operations = Integer.parseInt(args[3]);
    int child = Integer.parseInt(args[4]);
    AtomicInteger ok = new AtomicInteger();
    Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    Map<String, String> firstMessages = new ConcurrentHashMap<>();
    Map<String, Long> slowestFailureMillis = new ConcurrentHashMap<>();
    try (SettingsStore store = TestStores.openWithSlowSteps(chain, database)) {
      List<Long> ids = store.listAiProviders().stream().map(AiProvider::id).toList();
      StartSignal.announceReadyAndAwaitGo();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Random random = new Random(child * 1_000L + t);
        int thread = t;
        Thread writer =
            new Thread(
                () -> {
                  for (int op = 0; op < operations; op++) {
                    long start = System.nanoTime();
                    try {
                      write(store, ids, random, child, thread, op);
                      ok.incrementAndGet();
                    } catch (RuntimeException failure) {
                      String type = failure.getClass().getSimpleName();
                      failures.computeIfAbsent(type, k -> new AtomicInteger()).incrementAndGet();
                      firstMessages.putIfAbsent(type, String.valueOf(failure.getMessage()));
                      slowestFailureMillis.merge(
                          type, (System.nanoTime() - start) / 1_000_000, Math::max);
                    }
                  }
                },
                "writer-" + t);
        writer.start();
        writers.add(writer);
      }
      for (Thread writer : writers) {
        writer.join();
      }
    }
    int failed = failures.values().stream().mapToInt(AtomicInteger::get).sum();
    System.out.println("RESULT ok=" + ok.get() + " failed=" + failed);
    new TreeMap<>(failures)
        .forEach(
            (type, count) ->
                System.out.println(
                    "FAILURE "
                        + type
                        + " x"
                        + count
                        + " (slowest after "
                        + slowestFailureMillis.get(type)
                        + " ms): "
                        + firstMessages.get(type)));
    System.out.flush();
  }

  private static void write(
      SettingsStore store, List<Long> ids, Random random, int child, int thread, int op) {
    int dice = random.nextInt(4);
    if (dice < 2) {
      store.setActiveProvider(ids.get(random.nextInt(ids.size())));
    } else if (dice == 2) {
      String name = "process-" + child + "-" + random.nextInt(3);
      store.addAiProvider(name, ApiKey.of("sk-" + name), "model-" + op);
    } else {
      store.setSetting("shared.setting", "child " + child + " thread " + thread + " op " + op);
    }
  }
}

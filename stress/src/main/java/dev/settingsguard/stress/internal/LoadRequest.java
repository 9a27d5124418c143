package dev.settingsguard.stress.internal;

import static dev.settingsguard.stress.internal.KeyValueLine.required;

import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One process's share of a measurement: what to open, how many threads, for how long.
 *
 * @param contender what is under test
 * @param workload what each thread does
 * @param database the database, already seeded
 * @param synchronous the commit durability
 * @param lockTimeout the bound on each wait for a lock
 * @param threads load threads in this process
 * @param warmup how long to run before measuring
 * @param duration how long to measure
 */
public record LoadRequest(
    Contender contender,
    Workload workload,
    StressDatabase database,
    Synchronous synchronous,
    Duration lockTimeout,
    int threads,
    Duration warmup,
    Duration duration) {

  public LoadRequest {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive: " + threads);
    }
  }

  /**
   * How long one operation may take before it returns or is refused. Each wait is bounded by the
   * lock timeout, not each call: a write of the chains measured here waits for up to three locks in
   * turn (the in-JVM lock, the lock file, SQLite's write lock, twice when the WAL restarts; or the
   * in-JVM lock and PostgreSQL's advisory lock), and one queued again after a refusal waits once
   * more.
   *
   * @return four lock timeouts
   */
  Duration longestOperation() {
    return lockTimeout.multipliedBy(4);
  }

  String toLine() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("contender", contender.name());
    fields.put("workload", workload.name());
    fields.put("backend", database.backend().name());
    fields.put("database", database.location());
    fields.put("synchronous", synchronous.name());
    fields.put("lockTimeoutMs", Long.toString(lockTimeout.toMillis()));
    fields.put("threads", Integer.toString(threads));
    fields.put("warmupMs", Long.toString(warmup.toMillis()));
    fields.put("durationMs", Long.toString(duration.toMillis()));
    return KeyValueLine.format(fields);
  }

  static LoadRequest fromLine(String line) {
    Map<String, String> fields = KeyValueLine.parse(line);
    return new LoadRequest(
        Contender.valueOf(required(fields, "contender")),
        Workload.valueOf(required(fields, "workload")),
        new StressDatabase(
            Backend.valueOf(required(fields, "backend")), required(fields, "database")),
        Synchronous.valueOf(required(fields, "synchronous")),
        Duration.ofMillis(Long.parseLong(required(fields, "lockTimeoutMs"))),
        Integer.parseInt(required(fields, "threads")),
        Duration.ofMillis(Long.parseLong(required(fields, "warmupMs"))),
        Duration.ofMillis(Long.parseLong(required(fields, "durationMs"))));
  }
}

package dev.settingsguard.stress.internal;

import dev.settingsguard.core.SettingsStore;
import dev.settingsguard.jdbi.sqlite.Synchronous;
import java.time.Duration;

/** What is under test in one process: one store shared by all threads, or the raw-JDBC baseline. */
interface LoadTarget extends AutoCloseable {

  /**
   * @return a client for one load thread
   */
  LoadClient newClient();

  @Override
  void close();

  /**
   * @param request what to open and run
   * @return the target, open
   * @throws IllegalArgumentException for the raw-JDBC baseline with any workload but {@link
   *     Workload#ACTIVATE}: it only implements that operation
   */
  static LoadTarget open(LoadRequest request) {
    Contender contender = request.contender();
    StressDatabase database = request.database();
    Synchronous synchronous = request.synchronous();
    Duration lockTimeout = request.lockTimeout();
    if (!contender.isStore()) {
      if (request.workload() != Workload.ACTIVATE) {
        throw new IllegalArgumentException(contender + " only runs " + Workload.ACTIVATE);
      }
      return new LoadTarget() {
        @Override
        public LoadClient newClient() {
          return RawJdbcClient.open(database, synchronous, lockTimeout);
        }

        @Override
        public void close() {}
      };
    }
    SettingsStore store = contender.open(database, synchronous, lockTimeout);
    return new LoadTarget() {
      @Override
      public LoadClient newClient() {
        return new StoreClient(store, request.workload());
      }

      @Override
      public void close() {
        store.close();
      }
    };
  }
}

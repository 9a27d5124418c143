package dev.settingsguard.stress.internal;

import java.util.SplittableRandom;

/** One load thread's connection to what is under test; used by that thread only. */
public interface LoadClient extends AutoCloseable {

  /** How one operation ended. */
  enum Outcome {
    /** It completed, including a legitimate "not found" answer. */
    DONE,
    /** A lock or the database write lock was not obtained within the lock timeout. */
    BUSY,
    /** Any other failure, such as the constraint violations of the unguarded adapter. */
    FAILED
  }

  /**
   * Runs the next operation of the workload.
   *
   * @param random the thread's random source
   * @return how it ended
   */
  Outcome runOne(SplittableRandom random);

  @Override
  void close();
}

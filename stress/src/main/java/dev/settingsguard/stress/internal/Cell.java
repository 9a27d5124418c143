package dev.settingsguard.stress.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * One measurement of the matrix.
 *
 * @param workload what each thread does
 * @param contender what is under test
 * @param processes how many processes share the database file
 * @param threads load threads in all, split evenly over the processes
 */
public record Cell(Workload workload, Contender contender, int processes, int threads) {

  public Cell {
    if (processes < 1 || threads < processes || threads % processes != 0) {
      throw new IllegalArgumentException(
          "threads must be a positive multiple of processes: " + threads + "/" + processes);
    }
  }

  /**
   * The matrix, ordered so that cells meant to be compared run close together in time: each shape's
   * contenders one after the other, so that, for one, the default chain's single thread and the
   * baseline's run back to back, a second apart rather than five, and the machine's drift in
   * between stays out of their ratio. Thread counts that the process count does not divide are left
   * out, as are contenders of the other backend, and the raw-JDBC baseline for workloads other than
   * {@link Workload#ACTIVATE}, the only operation it implements.
   *
   * @param backend what the cells run on
   * @param workloads the workloads
   * @param contenders what to compare
   * @param processes process counts
   * @param threads total thread counts
   * @return every cell to measure
   */
  public static List<Cell> matrix(
      Backend backend,
      List<Workload> workloads,
      List<Contender> contenders,
      List<Integer> processes,
      List<Integer> threads) {
    List<Cell> cells = new ArrayList<>();
    for (Workload workload : workloads) {
      for (int processCount : processes) {
        for (int threadCount : threads) {
          if (threadCount < processCount || threadCount % processCount != 0) {
            continue;
          }
          for (Contender contender : contenders) {
            if (contender.runsOn(backend)
                && (contender.isStore() || workload == Workload.ACTIVATE)) {
              cells.add(new Cell(workload, contender, processCount, threadCount));
            }
          }
        }
      }
    }
    return cells;
  }

  /**
   * @return load threads in each process
   */
  public int threadsPerProcess() {
    return threads / processes;
  }

  /**
   * @return e.g. {@code "4x4"} for four processes of four threads
   */
  public String shape() {
    return processes + "x" + threadsPerProcess();
  }
}

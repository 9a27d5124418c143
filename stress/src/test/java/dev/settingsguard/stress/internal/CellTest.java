package dev.settingsguard.stress.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CellTest {

  @Test
  void matrixSplitsThreadsOverProcessesAndRunsTheBaselineOnlyWhereItApplies() {
    List<Cell> cells =
        Cell.matrix(
            Backend.SQLITE,
            List.of(Workload.ACTIVATE, Workload.MIX),
            List.of(Contender.DEFAULT, Contender.RAW_JDBC),
            List.of(1, 4),
            List.of(1, 4, 6, 16));

    assertThat(cells)
        .contains(
            new Cell(Workload.ACTIVATE, Contender.RAW_JDBC, 4, 16),
            new Cell(Workload.MIX, Contender.DEFAULT, 1, 6))
        .noneMatch(c -> c.processes() == 4 && c.threads() == 6)
        .noneMatch(c -> c.workload() == Workload.MIX && c.contender() == Contender.RAW_JDBC)
        .noneMatch(c -> c.threads() < c.processes());
    assertThat(cells)
        .filteredOn(c -> c.processes() == 4)
        .extracting(Cell::shape)
        .containsOnly("4x1", "4x4");
  }

  @Test
  void matrixRunsEveryContenderOfOneShapeBeforeTheNextShape() {
    List<Cell> cells =
        Cell.matrix(
            Backend.SQLITE,
            List.of(Workload.ACTIVATE),
            List.of(Contender.DEFAULT, Contender.RAW_JDBC),
            List.of(1, 4),
            List.of(1, 4));

    assertThat(cells)
        .extracting(c -> c.contender() + " " + c.shape())
        .containsExactly(
            "DEFAULT 1x1",
            "RAW_JDBC 1x1",
            "DEFAULT 1x4",
            "RAW_JDBC 1x4",
            "DEFAULT 4x1",
            "RAW_JDBC 4x1");
  }

  @Test
  void matrixLeavesOutTheContendersOfTheOtherBackend() {
    List<Contender> all = List.of(Contender.values());

    assertThat(
            Cell.matrix(Backend.POSTGRES, List.of(Workload.ACTIVATE), all, List.of(1), List.of(1)))
        .extracting(Cell::contender)
        .containsExactly(
            Contender.NONE,
            Contender.JVM_LOCK,
            Contender.POSTGRES_ADVISORY_LOCK,
            Contender.DEFAULT,
            Contender.RAW_JDBC);
    assertThat(Cell.matrix(Backend.SQLITE, List.of(Workload.ACTIVATE), all, List.of(1), List.of(1)))
        .extracting(Cell::contender)
        .doesNotContain(Contender.POSTGRES_ADVISORY_LOCK)
        .contains(Contender.FILE_LOCK, Contender.SQLITE_IMMEDIATE);
  }

  @Test
  void refusesThreadsThatDoNotSplitEvenly() {
    assertThatThrownBy(() -> new Cell(Workload.MIX, Contender.DEFAULT, 4, 6))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

package dev.settingsguard.stress.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.settingsguard.stress.internal.InvariantWatcher.ProviderCount;
import dev.settingsguard.stress.internal.InvariantWatcher.Watch;
import org.junit.jupiter.api.Test;

/** Which broken invariants make the harness fail: every contender's but the negative control's. */
class CellResultTest {

  private static final Watch BROKEN_ONCE =
      new Watch(100, 1, new ProviderCount(4, 0), new ProviderCount(4, 1));
  private static final Watch CLEAN =
      new Watch(100, 0, new ProviderCount(4, 1), new ProviderCount(4, 1));

  @Test
  void aBrokenInvariantBreaksThePromiseOfEveryContenderButNone() {
    for (Contender contender : Contender.values()) {
      for (int processes : new int[] {1, 4}) {
        boolean broken = result(contender, processes, BROKEN_ONCE).brokenPromise();

        assertThat(broken)
            .as("%s with %d processes", contender, processes)
            .isEqualTo(contender != Contender.NONE);
      }
    }
  }

  @Test
  void aWrongCountAtTheEndBreaksThePromiseToo() {
    Watch endsWithTwoActive = new Watch(100, 0, null, new ProviderCount(4, 2));

    assertThat(result(Contender.JVM_LOCK, 4, endsWithTwoActive).brokenPromise()).isTrue();
    assertThat(result(Contender.JVM_LOCK, 4, CLEAN).brokenPromise()).isFalse();
  }

  private static CellResult result(Contender contender, int processes, Watch watch) {
    return new CellResult(
        new Cell(Workload.ACTIVATE, contender, processes, 4),
        new LoadResult(1000, 1000, 0, 0, new LatencyHistogram(), 0),
        watch);
  }
}

package dev.settingsguard.stress.internal;

/**
 * One measured cell.
 *
 * @param cell what was measured
 * @param load what the load threads did
 * @param watch what the invariant watcher saw, during and after
 */
public record CellResult(Cell cell, LoadResult load, InvariantWatcher.Watch watch) {

  /**
   * @return whether the contender promises the invariant but the watcher saw it broken
   */
  public boolean brokenPromise() {
    return cell.contender().mustKeepInvariant() && !watch.clean();
  }
}

package dev.settingsguard.jdbi.internal;

import dev.settingsguard.core.SettingsChange;
import java.util.List;

/**
 * One read of the change log, in one snapshot.
 *
 * @param currentRevision the counter's revision
 * @param trimmedThrough the log holds no change of this revision or older ones
 * @param changes the changes read, whole revisions, in revision order
 */
public record ChangeLogPage(
    long currentRevision, long trimmedThrough, List<SettingsChange> changes) {

  public ChangeLogPage {
    changes = List.copyOf(changes);
  }

  /**
   * @return how many revisions the changes span
   */
  long revisions() {
    return changes.stream().mapToLong(SettingsChange::revision).distinct().count();
  }
}

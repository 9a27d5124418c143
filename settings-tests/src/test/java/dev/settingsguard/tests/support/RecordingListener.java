package dev.settingsguard.tests.support;

import dev.settingsguard.core.SettingsChange;
import dev.settingsguard.core.SettingsListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** A listener that keeps what it was given, for a test to wait on and inspect. */
public class RecordingListener implements SettingsListener {

  private final List<SettingsChange> changes = new ArrayList<>();
  private final List<Long> resets = new ArrayList<>();

  @Override
  public synchronized void onChange(SettingsChange change) {
    changes.add(change);
  }

  @Override
  public synchronized void onReset(long currentRevision) {
    resets.add(currentRevision);
  }

  /**
   * @return the changes delivered so far, in delivery order
   */
  public synchronized List<SettingsChange> changes() {
    return List.copyOf(changes);
  }

  /**
   * @return the revisions of the resets delivered so far
   */
  public synchronized List<Long> resets() {
    return List.copyOf(resets);
  }

  /**
   * @return the revision of the last change delivered, or 0
   */
  public synchronized long lastRevision() {
    return changes.isEmpty() ? 0 : changes.get(changes.size() - 1).revision();
  }

  /**
   * Waits until a reset was delivered.
   *
   * @param timeout the bound on the wait
   * @throws AssertionError if none was delivered in time
   */
  public void awaitReset(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (resets().isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("No reset delivered within " + timeout);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /**
   * Waits until a change of the revision, or a later one, was delivered.
   *
   * @param revision the revision to wait for
   * @param timeout the bound on the wait
   * @throws AssertionError if it was not delivered in time
   */
  public void awaitRevision(long revision, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (lastRevision() < revision) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "Revision "
                + revision
                + " not delivered within "
                + timeout
                + "; last "
                + lastRevision());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}

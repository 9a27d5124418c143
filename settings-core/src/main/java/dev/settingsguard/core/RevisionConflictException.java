package dev.settingsguard.core;

/**
 * A compare-and-set found another revision than the caller expected: someone else wrote the row
 * since the caller read it. Nothing changed; read again and decide again.
 */
public final class RevisionConflictException extends SettingsException {

  private static final long serialVersionUID = 1L;

  private final long expectedRevision;
  private final long actualRevision;

  /**
   * @param what what was to be written, e.g. {@code setting "theme"}; never a value or a secret
   * @param expectedRevision the revision the caller expected
   * @param actualRevision the revision found, {@code 0} when the row does not exist
   */
  public RevisionConflictException(String what, long expectedRevision, long actualRevision) {
    super(
        "Revision conflict on "
            + what
            + ": expected revision "
            + expectedRevision
            + ", found "
            + (actualRevision == 0 ? "none (absent)" : String.valueOf(actualRevision)));
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
  }

  /**
   * @return the revision the caller expected; {@code 0} meant "only if absent"
   */
  public long expectedRevision() {
    return expectedRevision;
  }

  /**
   * @return the revision found; {@code 0} when the row does not exist
   */
  public long actualRevision() {
    return actualRevision;
  }
}

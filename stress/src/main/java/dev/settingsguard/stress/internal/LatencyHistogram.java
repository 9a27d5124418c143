package dev.settingsguard.stress.internal;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Latencies in nanoseconds, kept by an HdrHistogram with three significant digits: a percentile is
 * within 0.1 % of the true value, the maximum within 0.1 % too. Its range grows with the values it
 * records, so no latency is ever clamped. Recording never allocates once the range covers the
 * values; one histogram per thread, merged at the end.
 */
public final class LatencyHistogram {

  private static final int SIGNIFICANT_DIGITS = 3;

  private final Histogram histogram;

  /** An empty histogram. */
  public LatencyHistogram() {
    this(new Histogram(SIGNIFICANT_DIGITS));
  }

  private LatencyHistogram(Histogram histogram) {
    this.histogram = histogram;
  }

  /**
   * @param nanos one latency; negative values count as zero
   */
  public void record(long nanos) {
    histogram.recordValue(Math.max(0, nanos));
  }

  /**
   * @param other a histogram whose counts are added to this one
   */
  public void add(LatencyHistogram other) {
    histogram.add(other.histogram);
  }

  /**
   * @return how many latencies were recorded
   */
  public long count() {
    return histogram.getTotalCount();
  }

  /**
   * @return the largest latency recorded, to three significant digits; 0 when empty
   */
  public long maxNanos() {
    return histogram.getMaxValue();
  }

  /**
   * @param percentile between 0 and 100
   * @return the latency at that percentile, to three significant digits; 0 when empty
   */
  public long percentileNanos(double percentile) {
    return histogram.getValueAtPercentile(percentile);
  }

  /**
   * A compact text form for one line of a child process's report: HdrHistogram's compressed
   * encoding in Base64.
   *
   * @return the encoded histogram, without spaces
   */
  public String encode() {
    ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
    int length = histogram.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
  }

  /**
   * @param encoded the output of {@link #encode()}
   * @return the histogram it describes
   * @throws IllegalArgumentException if the text is not an encoded histogram
   */
  public static LatencyHistogram decode(String encoded) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(Base64.getDecoder().decode(encoded));
      return new LatencyHistogram(Histogram.decodeFromCompressedByteBuffer(buffer, 0));
    } catch (DataFormatException | RuntimeException malformed) {
      throw new IllegalArgumentException("Not an encoded histogram: " + encoded, malformed);
    }
  }
}

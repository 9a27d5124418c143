package dev.settingsguard.stress.internal;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * Latencies in nanoseconds, counted in log-linear buckets: exact below 64 ns, then 32 buckets per
 * power of two, so a percentile, reported as its bucket's upper bound, is at most 1/32 (3.1 %)
 * above the true value. The maximum is kept exactly. Recording is a few instructions and never
 * allocates; one histogram per thread, merged at the end.
 */
public final class LatencyHistogram {

  private static final int SUB_BITS = 5;
  private static final int SUB_BUCKETS = 1 << SUB_BITS;
  private static final int LINEAR_LIMIT = 2 * SUB_BUCKETS;

  /** Magnitudes up to 2^40 ns, so values up to about 36 minutes: far above any lock timeout. */
  private static final int MAX_MAGNITUDE = 40;

  private static final int BUCKETS = LINEAR_LIMIT + (MAX_MAGNITUDE - SUB_BITS) * SUB_BUCKETS;

  private final long[] counts = new long[BUCKETS];
  private long total;
  private long max;

  /**
   * @param nanos one latency; negative values count as zero
   */
  public void record(long nanos) {
    long value = Math.max(0, nanos);
    counts[index(value)]++;
    total++;
    max = Math.max(max, value);
  }

  /**
   * @param other a histogram whose counts are added to this one
   */
  public void add(LatencyHistogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    max = Math.max(max, other.max);
  }

  /**
   * @return how many latencies were recorded
   */
  public long count() {
    return total;
  }

  /**
   * @return the largest latency recorded, exactly; 0 when empty
   */
  public long maxNanos() {
    return max;
  }

  /**
   * @param percentile between 0 and 100
   * @return the upper bound of the bucket holding that percentile, never above the maximum; 0 when
   *     empty
   */
  public long percentileNanos(double percentile) {
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(total * percentile / 100.0));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(upperBound(i), max);
      }
    }
    return max;
  }

  /**
   * A compact text form for one line of a child process's report: the maximum, then {@code
   * index:count} for each non-empty bucket.
   *
   * @return the encoded histogram, without spaces
   */
  public String encode() {
    StringJoiner joiner = new StringJoiner(",");
    joiner.add(Long.toString(max));
    for (int i = 0; i < BUCKETS; i++) {
      if (counts[i] > 0) {
        joiner.add(i + ":" + counts[i]);
      }
    }
    return joiner.toString();
  }

  /**
   * @param encoded the output of {@link #encode()}
   * @return the histogram it describes
   * @throws IllegalArgumentException if the text is not an encoded histogram
   */
  public static LatencyHistogram decode(String encoded) {
    LatencyHistogram histogram = new LatencyHistogram();
    String[] parts = encoded.split(",");
    try {
      histogram.max = Long.parseLong(parts[0]);
      for (String part : Arrays.asList(parts).subList(1, parts.length)) {
        int colon = part.indexOf(':');
        long count = Long.parseLong(part.substring(colon + 1));
        histogram.counts[Integer.parseInt(part.substring(0, colon))] += count;
        histogram.total += count;
      }
    } catch (RuntimeException malformed) {
      throw new IllegalArgumentException("Not an encoded histogram: " + encoded, malformed);
    }
    return histogram;
  }

  static int index(long value) {
    if (value < LINEAR_LIMIT) {
      return (int) value;
    }
    int magnitude = Math.min(63 - Long.numberOfLeadingZeros(value), MAX_MAGNITUDE);
    int shift = magnitude - SUB_BITS;
    int sub = (int) Math.min(value >>> shift, 2L * SUB_BUCKETS - 1) - SUB_BUCKETS;
    return LINEAR_LIMIT + (magnitude - SUB_BITS - 1) * SUB_BUCKETS + sub;
  }

  static long upperBound(int index) {
    if (index < LINEAR_LIMIT) {
      return index;
    }
    int magnitude = (index - LINEAR_LIMIT) / SUB_BUCKETS + SUB_BITS + 1;
    int sub = (index - LINEAR_LIMIT) % SUB_BUCKETS;
    int shift = magnitude - SUB_BITS;
    return ((long) (SUB_BUCKETS + sub + 1) << shift) - 1;
  }
}

package dev.settingsguard.stress.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void percentilesAreWithinATenthOfAPercentOfTheSortedValues() {
    SplittableRandom random = new SplittableRandom(42);
    long[] values =
        LongStream.generate(() -> random.nextLong(1, 50_000_000)).limit(100_000).toArray();
    LatencyHistogram histogram = new LatencyHistogram();
    LongStream.of(values).forEach(histogram::record);
    long[] sorted = LongStream.of(values).sorted().toArray();

    for (double percentile : new double[] {1, 50, 90, 99, 99.9}) {
      long exact = sorted[(int) Math.ceil(values.length * percentile / 100) - 1];
      assertThat((double) histogram.percentileNanos(percentile))
          .as("p%s", percentile)
          .isCloseTo(exact, within(exact / 1000.0 + 1));
    }
    long max = sorted[sorted.length - 1];
    assertThat((double) histogram.maxNanos()).isCloseTo(max, within(max / 1000.0));
    assertThat(histogram.percentileNanos(100)).isEqualTo(histogram.maxNanos());
  }

  @Test
  void smallValuesAreExact() {
    LatencyHistogram histogram = new LatencyHistogram();
    for (long value = 0; value < 64; value++) {
      histogram.record(value);
    }
    assertThat(histogram.percentileNanos(50)).isEqualTo(31);
    assertThat(histogram.count()).isEqualTo(64);
  }

  @Test
  void encodingKeepsCountsAndMaximum() {
    LatencyHistogram histogram = new LatencyHistogram();
    LongStream.of(5, 70, 70, 1_000_000, 3_000_000_000L).forEach(histogram::record);

    LatencyHistogram decoded = LatencyHistogram.decode(histogram.encode());

    assertThat(decoded.count()).isEqualTo(5);
    assertThat(decoded.maxNanos()).isEqualTo(histogram.maxNanos());
    assertThat(decoded.percentileNanos(50)).isEqualTo(histogram.percentileNanos(50));
    assertThat(decoded.encode()).isEqualTo(histogram.encode());
  }

  @Test
  void mergingAddsCounts() {
    LatencyHistogram first = new LatencyHistogram();
    LatencyHistogram second = new LatencyHistogram();
    first.record(10);
    second.record(1_000);
    second.record(2_000);

    first.add(second);

    assertThat(first.count()).isEqualTo(3);
    assertThat(first.maxNanos()).isBetween(2_000L, 2_002L);
    assertThat(first.percentileNanos(0)).isEqualTo(10);
  }

  @Test
  void refusesTextThatIsNotAHistogram() {
    assertThatThrownBy(() -> LatencyHistogram.decode("12,x:3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("12,x:3");
  }
}

package dev.settingsguard.stress.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two small chart shapes as inline SVG, so the HTML report needs no script and no network: lines
 * over categories (throughput against thread count) and grouped bars on a log scale (latency
 * percentiles).
 */
final class SvgChart {

  /**
   * One line, or one kind of bar.
   *
   * @param name shown in the legend
   * @param color a CSS color
   * @param values one per category; {@code NaN} where there is no value
   */
  record Series(String name, String color, double[] values) {}

  private static final int WIDTH = 680;
  private static final int HEIGHT = 320;
  private static final int LEFT = 70;
  private static final int RIGHT = 170;
  private static final int TOP = 34;
  private static final int BOTTOM = 64;
  private static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
  private static final int PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;

  private SvgChart() {}

  static String lines(
      String title, String xLabel, String yLabel, List<String> categories, List<Series> series) {
    double max =
        series.stream()
            .flatMapToDouble(s -> Arrays.stream(s.values()))
            .filter(v -> !Double.isNaN(v))
            .max()
            .orElse(1);
    double step = niceStep(max / 4);
    int ticks = (int) Math.max(1, Math.ceil(max / step));
    double top = step * ticks;
    StringBuilder svg = open(title, xLabel, yLabel);
    for (int tick = 0; tick <= ticks; tick++) {
      yTick(svg, PLOT_HEIGHT * (1 - tick / (double) ticks), compact(step * tick));
    }
    double slot = PLOT_WIDTH / (double) Math.max(1, categories.size());
    for (int i = 0; i < categories.size(); i++) {
      xTick(svg, slot * (i + 0.5), categories.get(i), false);
    }
    int legend = 0;
    for (Series s : series) {
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < s.values().length; i++) {
        double value = s.values()[i];
        if (Double.isNaN(value)) {
          continue;
        }
        double x = LEFT + slot * (i + 0.5);
        double y = TOP + PLOT_HEIGHT * (1 - value / top);
        points.append(fmt("%.1f,%.1f ", x, y));
        svg.append(
            fmt(
                "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'><title>%s %s: %s</title>"
                    + "</circle>",
                x, y, s.color(), escape(s.name()), escape(categories.get(i)), compact(value)));
      }
      svg.append(
          fmt(
              "<polyline points='%s' fill='none' stroke='%s' stroke-width='2'/>",
              points.toString().trim(), s.color()));
      legend(svg, legend++, s);
    }
    return svg.append("</svg>").toString();
  }

  static String logBars(String title, String yLabel, List<String> groups, List<Series> series) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Series s : series) {
      for (double value : s.values()) {
        if (value > 0) {
          min = Math.min(min, value);
          max = Math.max(max, value);
        }
      }
    }
    if (max == 0) {
      min = 0.01;
      max = 1;
    }
    int low = (int) Math.floor(Math.log10(min));
    int high = Math.max(low + 1, (int) Math.ceil(Math.log10(max)));
    StringBuilder svg = open(title, "", yLabel);
    for (int power = low; power <= high; power++) {
      yTick(
          svg,
          PLOT_HEIGHT * (1 - (power - low) / (double) (high - low)),
          compact(Math.pow(10, power)));
    }
    double groupWidth = PLOT_WIDTH / (double) Math.max(1, groups.size());
    double barWidth = groupWidth * 0.8 / Math.max(1, series.size());
    for (int g = 0; g < groups.size(); g++) {
      xTick(svg, groupWidth * (g + 0.5), groups.get(g), true);
      for (int k = 0; k < series.size(); k++) {
        double value = series.get(k).values()[g];
        if (!(value > 0)) {
          continue;
        }
        double fraction = (Math.log10(value) - low) / (high - low);
        double height = Math.max(1, PLOT_HEIGHT * fraction);
        double x = LEFT + groupWidth * g + groupWidth * 0.1 + barWidth * k;
        svg.append(
            fmt(
                "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'>"
                    + "<title>%s %s: %s</title></rect>",
                x,
                TOP + PLOT_HEIGHT - height,
                barWidth - 1,
                height,
                series.get(k).color(),
                escape(groups.get(g)),
                escape(series.get(k).name()),
                compact(value)));
      }
    }
    for (int k = 0; k < series.size(); k++) {
      legend(svg, k, series.get(k));
    }
    return svg.append("</svg>").toString();
  }

  private static StringBuilder open(String title, String xLabel, String yLabel) {
    StringBuilder svg = new StringBuilder();
    svg.append(
        fmt(
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
                + "viewBox='0 0 %d %d' font-family='sans-serif' font-size='11'>",
            WIDTH, HEIGHT, WIDTH, HEIGHT));
    svg.append(
        fmt(
            "<text x='%d' y='18' font-size='13' font-weight='bold'>%s</text>",
            LEFT, escape(title)));
    svg.append(
        fmt(
            "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>",
            LEFT, TOP, PLOT_WIDTH, PLOT_HEIGHT));
    svg.append(
        fmt(
            "<text x='%d' y='%d' text-anchor='middle'>%s</text>",
            LEFT + PLOT_WIDTH / 2, HEIGHT - 6, escape(xLabel)));
    svg.append(
        fmt(
            "<text x='14' y='%d' text-anchor='middle' transform='rotate(-90 14 %d)'>%s" + "</text>",
            TOP + PLOT_HEIGHT / 2, TOP + PLOT_HEIGHT / 2, escape(yLabel)));
    return svg;
  }

  private static void yTick(StringBuilder svg, double y, String label) {
    svg.append(
        fmt(
            "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#e3e3e3'/>",
            LEFT, TOP + y, LEFT + PLOT_WIDTH, TOP + y));
    svg.append(
        fmt(
            "<text x='%d' y='%.1f' text-anchor='end'>%s</text>",
            LEFT - 6, TOP + y + 4, escape(label)));
  }

  /** Slanted labels fit long names under narrow groups. */
  private static void xTick(StringBuilder svg, double x, String label, boolean slanted) {
    double y = TOP + PLOT_HEIGHT + 14;
    if (slanted) {
      svg.append(
          fmt(
              "<text x='%.1f' y='%.1f' text-anchor='end' transform='rotate(-20 %.1f %.1f)'>%s</text>",
              LEFT + x + 8, y, LEFT + x + 8, y, escape(label)));
    } else {
      svg.append(
          fmt(
              "<text x='%.1f' y='%.1f' text-anchor='middle'>%s</text>",
              LEFT + x, y, escape(label)));
    }
  }

  private static void legend(StringBuilder svg, int row, Series series) {
    int x = LEFT + PLOT_WIDTH + 14;
    int y = TOP + 8 + row * 18;
    svg.append(
        fmt("<rect x='%d' y='%d' width='12' height='12' fill='%s'/>", x, y - 10, series.color()));
    svg.append(fmt("<text x='%d' y='%d'>%s</text>", x + 18, y, escape(series.name())));
  }

  /** The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least {@code value}. */
  private static double niceStep(double value) {
    if (value <= 0) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(value)));
    for (double factor : new double[] {1, 2, 2.5, 5}) {
      if (factor * power >= value) {
        return factor * power;
      }
    }
    return 10 * power;
  }

  private static String compact(double value) {
    if (value >= 1_000_000) {
      return significant(value / 1_000_000) + "M";
    }
    if (value >= 1_000) {
      return significant(value / 1_000) + "k";
    }
    return significant(value);
  }

  private static String significant(double value) {
    return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace("\"", "&quot;");
  }

  private static String fmt(String pattern, Object... arguments) {
    return String.format(Locale.ROOT, pattern, arguments);
  }
}

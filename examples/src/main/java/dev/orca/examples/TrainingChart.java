package dev.orca.examples;

import dev.orca.estimator.TrainingHistory;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.internal.series.MarkerSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of the examples, drawn with XChart: panels side by side, each a few named lines over a
 * common x axis. {@link #ofHistory} makes the usual pair, loss and the main metric per epoch with a
 * training and a validation line.
 */
public final class TrainingChart {
  private static final int PANEL_WIDTH = 640;
  private static final int PANEL_HEIGHT = 440;
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)
  };

  /** How a panel's y axis is scaled. */
  public enum YAxis {
    /** Fitted to the values. */
    FIT,
    /** From zero up, so that a ratio between two values looks like one. */
    FROM_ZERO,
    /** Logarithmic, for values over several orders of magnitude (latencies). */
    LOG
  }

  /**
   * One panel: a title, axis titles, named lines over common x values (NaN values are left out),
   * and how to scale its y axis. With {@code xLabels}, the lines run over those names, evenly
   * spaced, one value per name ({@code x} is then ignored).
   */
  public record Panel(
      String title,
      String xTitle,
      String yTitle,
      double[] x,
      String[] xLabels,
      Map<String, double[]> lines,
      YAxis yAxis) {
    /** A panel with a numeric x axis and a fitted y axis. */
    public Panel(
        String title, String xTitle, String yTitle, double[] x, Map<String, double[]> lines) {
      this(title, xTitle, yTitle, x, null, lines, YAxis.FIT);
    }
  }

  private TrainingChart() {}

  /** Loss, then {@code metric}, per epoch: training and (if there was any) validation lines. */
  public static List<Panel> ofHistory(String name, TrainingHistory history, String metric) {
    double[] epochs = new double[history.epochs().size()];
    for (int i = 0; i < epochs.length; i++) {
      epochs[i] = history.epochs().get(i).number();
    }
    List<Panel> panels = new ArrayList<>();
    for (String value : List.of("loss", metric)) {
      Map<String, double[]> lines = new LinkedHashMap<>();
      lines.put("train", history.series(value));
      lines.put("validation", history.series("val_" + value));
      panels.add(new Panel(name + ": " + value, "epoch", value, epochs, lines));
    }
    return panels;
  }

  /** Writes the panels side by side into one PNG. */
  public static void write(Path png, List<Panel> panels) {
    List<Chart<?, ?>> charts = new ArrayList<>();
    for (Panel p : panels) {
      charts.add(chart(p));
    }
    try {
      Path parent = png.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      try (OutputStream out = Files.newOutputStream(png)) {
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), out, BitmapEncoder.BitmapFormat.PNG);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chart " + png, e);
    }
  }

  private static Chart<?, ?> chart(Panel p) {
    return p.xLabels() == null ? numeric(p) : categories(p);
  }

  /** Lines over a numeric x axis. */
  private static XYChart numeric(Panel p) {
    XYChart chart =
        new XYChartBuilder()
            .width(PANEL_WIDTH)
            .height(PANEL_HEIGHT)
            .title(p.title())
            .xAxisTitle(p.xTitle())
            .yAxisTitle(p.yTitle())
            .build();
    style(chart.getStyler(), p);
    chart.getStyler().setXAxisMaxLabelCount(12); // readable epoch numbers, however many epochs
    int k = 0;
    for (Map.Entry<String, double[]> line : p.lines().entrySet()) {
      double[][] xy = finite(p.x(), line.getValue());
      if (xy[0].length == 0) {
        continue; // e.g. no validation data
      }
      draw(chart.addSeries(line.getKey(), xy[0], xy[1]), k++, xy[0].length);
    }
    return chart;
  }

  /**
   * Lines over named, evenly spaced x positions (XChart draws no labels for a numeric axis with
   * gaps).
   */
  private static CategoryChart categories(Panel p) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(PANEL_WIDTH)
            .height(PANEL_HEIGHT)
            .title(p.title())
            .xAxisTitle(p.xTitle())
            .yAxisTitle(p.yTitle())
            .build();
    style(chart.getStyler(), p);
    chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
    chart
        .getStyler()
        .setOverlapped(true); // every line at the same x positions, not side by side like bars
    double[] positions = IntStream.range(0, p.xLabels().length).asDoubleStream().toArray();
    int k = 0;
    for (Map.Entry<String, double[]> line : p.lines().entrySet()) {
      double[][] xy = finite(positions, line.getValue());
      if (xy[0].length == 0) {
        continue;
      }
      List<String> names = Arrays.stream(xy[0]).mapToObj(i -> p.xLabels()[(int) i]).toList();
      draw(
          chart.addSeries(line.getKey(), names, Arrays.stream(xy[1]).boxed().toList()),
          k++,
          names.size());
    }
    return chart;
  }

  /** The {@code k}-th line's colour, a thick stroke, and markers where there are few points. */
  private static void draw(MarkerSeries series, int k, int points) {
    Color color = COLORS[k % COLORS.length];
    series.setLineColor(color);
    series.setMarkerColor(color);
    series.setLineStyle(new BasicStroke(2f));
    // markers only where there are few points; they would hide the line otherwise
    series.setMarker(points <= 40 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
  }

  private static void style(AxesChartStyler s, Panel p) {
    // below the plot: inside, it would cover a line rising or falling towards its corner
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotGridLinesColor(new Color(0xdddddd));
    s.setAntiAlias(true);
    s.setDecimalPattern("#,##0.####");
    s.setYAxisLogarithmic(p.yAxis() == YAxis.LOG);
    if (p.yAxis() == YAxis.FROM_ZERO) {
      s.setYAxisMin(0.0);
    }
  }

  /** The (x, y) pairs whose y is a finite number. */
  private static double[][] finite(double[] x, double[] y) {
    int n = 0;
    for (double v : y) {
      n += Double.isFinite(v) ? 1 : 0;
    }
    double[][] xy = new double[2][n];
    for (int i = 0, j = 0; i < y.length; i++) {
      if (Double.isFinite(y[i])) {
        xy[0][j] = x[i];
        xy[1][j++] = y[i];
      }
    }
    return xy;
  }
}

package dev.orca.examples;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.SplittableRandom;

/**
 * Writes an hourly series, as a sensor or a web service's traffic would give it, to a CSV file
 * {@code time,value,anomaly}: a daily cycle (busy days, quiet nights), a weekly one (quieter
 * weekends), a slowly wandering level, noise, and injected anomalies: single hours pushed up or
 * down by 5 to 9 times the noise's standard deviation, at random hours (about one in {@code
 * anomalyEvery}), labelled 1. Never two anomalies within a day of each other, so each one can be
 * told apart.
 */
public final class SeasonalSeries {
  static final double NOISE = 0.35;
  private final int hours;
  private final int anomalyEvery;
  private final long seed;

  public SeasonalSeries(int hours, int anomalyEvery, long seed) {
    if (hours < 24 * 14 || anomalyEvery < 48) {
      throw new IllegalArgumentException(
          "need at least two weeks of hours and anomalies at most one in 48 hours,"
              + " got hours="
              + hours
              + " anomalyEvery="
              + anomalyEvery);
    }
    this.hours = hours;
    this.anomalyEvery = anomalyEvery;
    this.seed = seed;
  }

  /** Writes the file; returns how many anomalies it holds. */
  public int write(Path file) {
    SplittableRandom random = new SplittableRandom(seed);
    LocalDateTime start = LocalDateTime.of(2024, 1, 1, 0, 0); // a Monday
    double level = 0;
    int anomalies = 0;
    int lastAnomaly = -1000;
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write("time,value,anomaly");
      out.newLine();
      for (int h = 0; h < hours; h++) {
        LocalDateTime t = start.plusHours(h);
        double daily = -Math.cos(2 * Math.PI * (t.getHour() - 2) / 24.0) * 3.0;
        boolean weekend = t.getDayOfWeek().getValue() >= 6;
        double weekly =
            weekend ? -2.0 + 0.8 * daily / 3.0 : 0.0; // weekends: lower, with a flatter day
        level = 0.98 * level + 0.05 * gaussian(random);
        double value = 20 + daily + weekly + level + NOISE * gaussian(random);
        int label = 0;
        if (h > 24 && h - lastAnomaly > 24 && random.nextInt(anomalyEvery) == 0) {
          double size = (5 + 4 * random.nextDouble()) * NOISE;
          value += random.nextBoolean() ? size : -size;
          label = 1;
          lastAnomaly = h;
          anomalies++;
        }
        out.write(t + "," + String.format(java.util.Locale.ROOT, "%.4f", value) + "," + label);
        out.newLine();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the series to " + file, e);
    }
    return anomalies;
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(random.nextDouble(1e-300, 1.0)))
        * Math.cos(2 * Math.PI * random.nextDouble());
  }
}

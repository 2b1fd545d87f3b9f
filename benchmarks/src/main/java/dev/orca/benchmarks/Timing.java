package dev.orca.benchmarks;

import java.util.Arrays;

/** The wall-clock times of repeated runs of one piece of work, in seconds. */
public final class Timing {
  private final double[] seconds;

  Timing(double[] seconds) {
    if (seconds.length == 0) {
      throw new IllegalArgumentException("a timing needs at least one run");
    }
    this.seconds = seconds.clone();
    Arrays.sort(this.seconds);
  }

  /** Times {@code runs} calls of {@code work} after {@code warmups} untimed ones. */
  public static Timing of(int warmups, int runs, Work work) throws Exception {
    for (int i = 0; i < warmups; i++) {
      work.run();
    }
    double[] s = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      work.run();
      s[i] = (System.nanoTime() - t0) / 1e9;
    }
    return new Timing(s);
  }

  public double median() {
    return median(seconds);
  }

  /** The median of {@code values} (the mean of the middle two when their count is even). */
  public static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  public double min() {
    return seconds[0];
  }

  public double max() {
    return seconds[seconds.length - 1];
  }

  public int runs() {
    return seconds.length;
  }

  @Override
  public String toString() {
    return String.format(
        "median %.4f s (min %.4f, max %.4f, %d runs)", median(), min(), max(), runs());
  }

  /** One run of the measured work. */
  @FunctionalInterface
  public interface Work {
    void run() throws Exception;
  }
}

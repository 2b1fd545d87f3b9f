package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loss and metrics summed over batches: the loss sum, the row count and each metric's state.
 * Partial sums of workers or partitions add up element-wise, packed into one array ({@link #pack}:
 * {@code [lossSum, rows, states..., extra...]}) for one all-reduce or one sum on the driver; {@link
 * #values(double[], List)} reads the mean loss and the metrics from a total.
 */
public final class MetricSums {
  private final List<Metric> metrics;
  private final double[][] states;
  private double lossSum;
  private long rows;

  public MetricSums(List<Metric> metrics) {
    this.metrics = List.copyOf(metrics);
    this.states = new double[metrics.size()][];
    for (int m = 0; m < states.length; m++) {
      states[m] = metrics.get(m).newState();
    }
  }

  /** Adds one batch: its mean loss, and the outputs and targets for the metrics. */
  public void add(double meanLoss, Tensor output, Tensor target) {
    int n = output.dim(0);
    lossSum += meanLoss * n;
    rows += n;
    for (int m = 0; m < states.length; m++) {
      metrics.get(m).update(states[m], output, target);
    }
  }

  /** The metrics these sums are of, in packing order. */
  public List<Metric> metrics() {
    return metrics;
  }

  public long rows() {
    return rows;
  }

  /** The mean loss so far (NaN before any row). */
  public double meanLoss() {
    return rows == 0 ? Double.NaN : lossSum / rows;
  }

  /** The mean loss and every metric, by name ("loss" first). */
  public Map<String, Double> values() {
    return values(pack(), metrics);
  }

  /** {@code [lossSum, rows, states..., extra...]}. */
  public double[] pack(double... extra) {
    int size = 2 + extra.length;
    for (double[] s : states) {
      size += s.length;
    }
    double[] all = new double[size];
    all[0] = lossSum;
    all[1] = rows;
    int at = 2;
    for (double[] s : states) {
      System.arraycopy(s, 0, all, at, s.length);
      at += s.length;
    }
    System.arraycopy(extra, 0, all, at, extra.length);
    return all;
  }

  /** Adds {@code part} into {@code total}, element-wise. */
  public static void add(double[] total, double[] part) {
    for (int i = 0; i < total.length; i++) {
      total[i] += part[i];
    }
  }

  /** The rows counted in a packed total. */
  public static long rows(double[] all) {
    return (long) all[1];
  }

  /** The mean loss and every metric's value from a packed total of {@code metrics}. */
  public static Map<String, Double> values(double[] all, List<Metric> metrics) {
    long rows = rows(all);
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", rows == 0 ? Double.NaN : all[0] / rows);
    int at = 2;
    for (Metric m : metrics) {
      double[] state = new double[m.stateSize()];
      System.arraycopy(all, at, state, 0, state.length);
      at += state.length;
      values.put(m.name(), m.result(state));
    }
    return values;
  }

  /** The {@code i}-th extra value of a packed total, counted from the end. */
  public static double extra(double[] all, int i) {
    return all[all.length - 1 - i];
  }
}

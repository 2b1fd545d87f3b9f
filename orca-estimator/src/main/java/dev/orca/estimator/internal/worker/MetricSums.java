package dev.orca.estimator.internal.worker;

import dev.orca.nn.metrics.Metric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loss sum, a row count, the metrics' states and any trailing extra values packed into one
 * array, so that partial results of workers or partitions add up element-wise (one all-reduce,
 * or one sum on the driver) and the loss and metrics are read from the total.
 */
public final class MetricSums {
  private MetricSums() {}

  /** {@code [lossSum, rows, states..., extra...]}. */
  public static double[] pack(double lossSum, long rows, double[][] states, double... extra) {
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

  /** The mean loss and every metric's value from a packed total. */
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

  /** The {@code i}-th extra value of a packed total of {@code metrics}. */
  public static double extra(double[] all, int i) {
    return all[all.length - 1 - i];
  }

  /** Fresh, zeroed states for {@code metrics}. */
  public static double[][] newStates(List<Metric> metrics) {
    double[][] states = new double[metrics.size()][];
    for (int m = 0; m < states.length; m++) {
      states[m] = metrics.get(m).newState();
    }
    return states;
  }
}

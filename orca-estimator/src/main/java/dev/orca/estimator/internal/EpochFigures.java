package dev.orca.estimator.internal;

import dev.orca.estimator.ring.RingAllReduce;
import dev.orca.nn.metrics.Metric;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An epoch's (or an evaluation's) figures over all workers: mean loss, metrics, samples, and
 * timings (the workers' mean compute time, and this worker's wall time).
 */
public record EpochFigures(Map<String, Double> values, long samples, double computeSeconds,
    double wallSeconds) implements Serializable {

  /** Sums loss, samples and metric states over the ring, in rank order (all workers get the same). */
  static EpochFigures reduce(RingAllReduce ring, double lossSum, long samples, double[][] states,
      List<Metric> metrics, double computeSeconds, double wallSeconds) {
    int size = 3;
    for (double[] s : states) {
      size += s.length;
    }
    double[] all = new double[size];
    all[0] = lossSum;
    all[1] = samples;
    all[2] = computeSeconds;
    int at = 3;
    for (double[] s : states) {
      System.arraycopy(s, 0, all, at, s.length);
      at += s.length;
    }
    ring.allReduce(all);
    long total = (long) all[1];
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", total == 0 ? Double.NaN : all[0] / total);
    at = 3;
    for (int m = 0; m < metrics.size(); m++) {
      double[] s = new double[states[m].length];
      System.arraycopy(all, at, s, 0, s.length);
      at += s.length;
      values.put(metrics.get(m).name(), metrics.get(m).result(s));
    }
    return new EpochFigures(values, total, all[2] / ring.size(), wallSeconds);
  }
}

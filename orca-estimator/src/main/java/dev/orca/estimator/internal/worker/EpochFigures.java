package dev.orca.estimator.internal.worker;

import dev.orca.collective.RingAllReduce;
import dev.orca.nn.metrics.Metric;
import java.io.Serializable;
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
    double[] all = MetricSums.pack(lossSum, samples, states, computeSeconds);
    ring.allReduce(all);
    return new EpochFigures(MetricSums.values(all, metrics), MetricSums.rows(all),
        MetricSums.extra(all, 0) / ring.size(), wallSeconds);
  }
}

package dev.orca.estimator.internal.worker;

import dev.orca.collective.RingAllReduce;
import dev.orca.nn.metrics.MetricSums;
import java.io.Serializable;
import java.util.Map;

/**
 * An epoch's (or an evaluation's) figures over all workers: mean loss, metrics, samples, and
 * timings (the workers' mean compute time, and this worker's wall time).
 */
public record EpochFigures(
    Map<String, Double> values, long samples, double computeSeconds, double wallSeconds)
    implements Serializable {

  /**
   * Sums loss, samples and metric states over the ring, in rank order (all workers get the same).
   */
  static EpochFigures reduce(
      RingAllReduce ring, MetricSums sums, double computeSeconds, double wallSeconds) {
    double[] all = sums.pack(computeSeconds);
    ring.allReduce(all);
    return new EpochFigures(
        MetricSums.values(all, sums.metrics()),
        MetricSums.rows(all),
        MetricSums.extra(all, 0) / ring.size(),
        wallSeconds);
  }
}

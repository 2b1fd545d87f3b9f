package dev.orca.estimator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch of training gave: the training loss and metrics (averaged over all workers'
 * rows), the validation metrics if there was validation data, and how long it took.
 */
public record EpochRecord(int epoch, Map<String, Double> train, Map<String, Double> validation,
    double seconds, double computeSeconds, long samples) {

  public EpochRecord {
    train = Collections.unmodifiableMap(new LinkedHashMap<>(train));
    validation = Collections.unmodifiableMap(new LinkedHashMap<>(validation));
  }

  /** Training samples per second over the whole epoch. */
  public double samplesPerSecond() {
    return seconds > 0 ? samples / seconds : 0;
  }

  /** A training value ({@code "loss"} or a metric name), or NaN. */
  public double trainValue(String name) {
    return train.getOrDefault(name, Double.NaN);
  }

  /** A validation value, or NaN. */
  public double validationValue(String name) {
    return validation.getOrDefault(name, Double.NaN);
  }
}

package dev.orca.estimator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch of training gave: the training loss and metrics (averaged over all workers' rows),
 * the validation metrics if there was validation data, and how long it took.
 *
 * <p>Two ways to count epochs: {@link #epoch()} is the epoch's index, from 0, as in code ({@code
 * history.epochs().get(r.epoch())}, checkpoints, seeds); {@link #number()} counts from 1, and is
 * what a user reads: the progress on the console ("epoch 3/20"), the {@code epoch} column of {@link
 * TrainingHistory#toCsv()} and the {@code "epoch"} field of {@link TrainingHistory#toJson()} run
 * from 1 to the number of epochs trained.
 *
 * @param epoch the index of the epoch, from 0
 */
public record EpochRecord(
    int epoch,
    Map<String, Double> train,
    Map<String, Double> validation,
    double seconds,
    double computeSeconds,
    long samples) {

  public EpochRecord {
    train = Collections.unmodifiableMap(new LinkedHashMap<>(train));
    validation = Collections.unmodifiableMap(new LinkedHashMap<>(validation));
  }

  /** The epoch's number as users read it, from 1: {@code epoch() + 1}. */
  public int number() {
    return epoch + 1;
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

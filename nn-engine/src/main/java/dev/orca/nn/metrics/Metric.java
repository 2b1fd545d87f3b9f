package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;
import java.io.Serializable;

/**
 * A metric whose running state is a small array of doubles that can be summed element-wise: each
 * worker {@link #update}s its own state over its batches, the trainer adds the workers' arrays
 * together, and {@link #result} turns the sum into the value. Accuracy keeps {@code [correct,
 * count]}; ROC AUC keeps a fixed-bin histogram of scores per class.
 */
public interface Metric extends Serializable {
  /** A short name for logs and histories. */
  String name();

  /** The length of the state array. */
  int stateSize();

  /** Adds one batch to {@code state}: model outputs and targets as the loss sees them. */
  void update(double[] state, Tensor output, Tensor target);

  /** The metric's value for an accumulated (possibly summed across workers) state. */
  double result(double[] state);

  /** A fresh, zeroed state. */
  default double[] newState() {
    return new double[stateSize()];
  }

  /**
   * Adds {@code other} into {@code into}, element-wise (what an all-reduce of metric state does).
   */
  static void merge(double[] into, double[] other) {
    for (int i = 0; i < into.length; i++) {
      into[i] += other[i];
    }
  }

  static Metric accuracy() {
    return new Accuracy();
  }

  static Metric topKAccuracy(int k) {
    return new TopKAccuracy(k);
  }

  /** Binary accuracy of probabilities at threshold 0.5. */
  static Metric binaryAccuracy() {
    return new BinaryAccuracy(0.5f);
  }

  /** ROC AUC of probabilities, 200 bins. */
  static Metric rocAuc() {
    return new RocAuc(200, false);
  }

  static Metric precision() {
    return new Precision(0.5f);
  }

  static Metric recall() {
    return new Recall(0.5f);
  }

  static Metric mse() {
    return new RegressionError(RegressionError.Kind.MSE);
  }

  static Metric mae() {
    return new RegressionError(RegressionError.Kind.MAE);
  }

  static Metric rmse() {
    return new RegressionError(RegressionError.Kind.RMSE);
  }
}

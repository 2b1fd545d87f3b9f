package dev.orca.nn.losses;

import dev.orca.OrcaDataException;
import dev.orca.nn.Tensor;
import java.io.Serializable;

/**
 * A loss over a batch: its mean value and its gradient with respect to the model output.
 * Implementations are small serializable values, so they travel with the model to replicas.
 */
public interface Loss extends Serializable {
  /**
   * Returns the mean loss over the batch and, when {@code gradOut} is not null, writes into it the
   * gradient of that mean with respect to {@code output} (same shape as {@code output}).
   */
  double compute(Tensor output, Tensor target, Tensor gradOut);

  /** A short name for logs and histories. */
  String name();

  /** Mean squared error. */
  static Loss meanSquaredError() {
    return new MeanSquaredError();
  }

  /** Binary cross-entropy from logits (numerically stable). */
  static Loss binaryCrossEntropy() {
    return new BinaryCrossEntropy(true);
  }

  /** Sparse categorical cross-entropy from logits (numerically stable). */
  static Loss sparseCategoricalCrossEntropy() {
    return new SparseCategoricalCrossEntropy(true);
  }

  /** Fails unless target holds one value per output value. */
  static void requireSameSize(String loss, Tensor output, Tensor target) {
    if (output.size() != target.size() || output.dim(0) != target.dim(0)) {
      throw new OrcaDataException(
          loss
              + ": the target has shape "
              + target.shape()
              + " but the model output has "
              + output.shape()
              + ": give one target value per output value");
    }
  }
}

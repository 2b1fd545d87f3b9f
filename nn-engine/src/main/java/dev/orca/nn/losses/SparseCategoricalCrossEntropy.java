package dev.orca.nn.losses;

import dev.orca.OrcaDataException;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/**
 * Cross-entropy between class ids (one per row, stored as floats: shape {@code (batch)} or {@code
 * (batch, 1)}) and scores of shape {@code (batch, classes)}, mean over rows. From logits (the
 * default) it is computed as {@code logsumexp(x) - x[label]} with the maximum subtracted, exact for
 * any logit; from probabilities (after a Softmax layer) it clips them at 1e-7.
 */
public final class SparseCategoricalCrossEntropy implements Loss {
  private static final long serialVersionUID = 1L;
  private static final double EPS = 1e-7;
  private final boolean fromLogits;

  public SparseCategoricalCrossEntropy(boolean fromLogits) {
    this.fromLogits = fromLogits;
  }

  /** True if the model's outputs are logits (the default), false if they are probabilities. */
  public boolean fromLogits() {
    return fromLogits;
  }

  @Override
  public double compute(Tensor output, Tensor target, Tensor gradOut) {
    int rows = output.dim(0);
    int classes = output.size() / rows;
    if (target.size() != rows) {
      throw new OrcaDataException(
          name()
              + ": the target has shape "
              + target.shape()
              + " but the output "
              + output.shape()
              + " has "
              + rows
              + " rows: give one class id per row");
    }
    FloatBuffer o = output.data();
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      int label = label(target, r, classes);
      int at = output.offset() + r * classes;
      if (fromLogits) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
          max = Math.max(max, o.get(at + j));
        }
        double z = 0;
        for (int j = 0; j < classes; j++) {
          z += Math.exp(o.get(at + j) - max);
        }
        sum += Math.log(z) + max - o.get(at + label);
        if (gradOut != null) {
          for (int j = 0; j < classes; j++) {
            double p = Math.exp(o.get(at + j) - max) / z;
            gradOut
                .data()
                .put(
                    gradOut.offset() + r * classes + j,
                    (float) ((p - (j == label ? 1 : 0)) / rows));
          }
        }
      } else {
        double p = o.get(at + label);
        double clipped = Math.min(Math.max(p, EPS), 1 - EPS);
        sum -= Math.log(clipped);
        if (gradOut != null) {
          for (int j = 0; j < classes; j++) {
            double g = j == label && p == clipped ? -1 / (clipped * rows) : 0;
            gradOut.data().put(gradOut.offset() + r * classes + j, (float) g);
          }
        }
      }
    }
    return sum / rows;
  }

  /** The class id of row {@code r}, checked: a whole number in [0, classes). */
  static int label(Tensor target, int r, int classes) {
    float v = target.data().get(target.offset() + r);
    int label = (int) v;
    if (label != v || label < 0 || label >= classes) {
      throw new OrcaDataException(
          "label "
              + v
              + " in row "
              + r
              + " is not a class id in [0, "
              + classes
              + "): the labels must be 0.."
              + (classes - 1)
              + ", or the last layer needs more units");
    }
    return label;
  }

  @Override
  public String name() {
    return "sparse_categorical_crossentropy";
  }
}

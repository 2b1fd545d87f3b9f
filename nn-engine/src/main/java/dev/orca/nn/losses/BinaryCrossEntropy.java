package dev.orca.nn.losses;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/**
 * Binary cross-entropy, mean over all elements; targets in [0, 1]. From logits (the default) it
 * uses {@code max(x, 0) - x * t + log(1 + exp(-|x|))}, exact for any logit; from probabilities it
 * clips them to [1e-7, 1 - 1e-7] as Keras does.
 */
public final class BinaryCrossEntropy implements Loss {
  private static final long serialVersionUID = 1L;
  private static final double EPS = 1e-7;
  private final boolean fromLogits;

  public BinaryCrossEntropy(boolean fromLogits) {
    this.fromLogits = fromLogits;
  }

  /** True if the model's outputs are logits (the default), false if they are probabilities. */
  public boolean fromLogits() {
    return fromLogits;
  }

  @Override
  public double compute(Tensor output, Tensor target, Tensor gradOut) {
    Loss.requireSameSize(name(), output, target);
    int n = output.size();
    FloatBuffer o = output.data();
    FloatBuffer t = target.data();
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double x = o.get(output.offset() + i);
      double y = t.get(target.offset() + i);
      double g;
      if (fromLogits) {
        sum += ofLogit(x, y);
        g = sigmoid(x) - y;
      } else {
        double p = Math.min(Math.max(x, EPS), 1 - EPS);
        sum += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
        g = (x <= EPS || x >= 1 - EPS) ? 0 : (p - y) / (p * (1 - p));
      }
      if (gradOut != null) {
        gradOut.data().put(gradOut.offset() + i, (float) (g / n));
      }
    }
    return sum / n;
  }

  /**
   * The loss of one logit {@code x} against a target {@code y} in [0, 1]: {@code max(x, 0) - x * y
   * + log(1 + exp(-|x|))}, exact for any logit. Its derivative in {@code x} is {@code sigmoid(x) -
   * y}.
   */
  public static double ofLogit(double x, double y) {
    return Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
  }

  /** The logistic function, without overflow for any {@code x}. */
  public static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  @Override
  public String name() {
    return "binary_crossentropy";
  }
}

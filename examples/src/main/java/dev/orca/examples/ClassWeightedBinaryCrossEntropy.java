package dev.orca.examples;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Tensor;
import dev.orca.nn.losses.BinaryCrossEntropy;
import dev.orca.nn.losses.Loss;
import java.nio.FloatBuffer;

/**
 * Binary cross-entropy from logits with a weight per class, as Keras' {@code class_weight}: each
 * row's loss is multiplied by the weight of its true class, then averaged over the rows. With
 * weights {@code n / (2 n_class)} ("balanced") the rare class counts as much as the common one,
 * which is how a fraud model is kept from learning that "never fraud" is almost always right.
 */
public final class ClassWeightedBinaryCrossEntropy implements Loss {
  private static final long serialVersionUID = 1L;
  private final float positiveWeight;
  private final float negativeWeight;

  public ClassWeightedBinaryCrossEntropy(double positiveWeight, double negativeWeight) {
    if (!(positiveWeight > 0) || !(negativeWeight > 0)) {
      throw new OrcaConfigurationException(
          "class weights must be positive, got "
              + positiveWeight
              + " (class 1) and "
              + negativeWeight
              + " (class 0)");
    }
    this.positiveWeight = (float) positiveWeight;
    this.negativeWeight = (float) negativeWeight;
  }

  /** Weights that make both classes count equally: {@code rows / (2 * rows of the class)}. */
  public static ClassWeightedBinaryCrossEntropy balanced(long positives, long rows) {
    if (positives <= 0 || positives >= rows) {
      throw new OrcaConfigurationException(
          "balanced class weights need both classes, got "
              + positives
              + " positive rows of "
              + rows);
    }
    return new ClassWeightedBinaryCrossEntropy(
        rows / (2.0 * positives), rows / (2.0 * (rows - positives)));
  }

  public float positiveWeight() {
    return positiveWeight;
  }

  public float negativeWeight() {
    return negativeWeight;
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
      double w = y >= 0.5 ? positiveWeight : negativeWeight;
      sum += w * BinaryCrossEntropy.ofLogit(x, y);
      if (gradOut != null) {
        gradOut
            .data()
            .put(gradOut.offset() + i, (float) (w * (BinaryCrossEntropy.sigmoid(x) - y) / n));
      }
    }
    return sum / n;
  }

  @Override
  public String name() {
    return "weighted_binary_crossentropy";
  }
}

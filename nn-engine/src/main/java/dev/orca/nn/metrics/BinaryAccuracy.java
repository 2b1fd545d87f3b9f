package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;

/**
 * The share of outputs on the right side of {@code threshold} (0.5 for probabilities, 0 for
 * logits); targets 0 or 1; state {@code [correct, count]}.
 */
public final class BinaryAccuracy implements Metric {
  private static final long serialVersionUID = 1L;
  private final float threshold;

  public BinaryAccuracy(float threshold) {
    this.threshold = threshold;
  }

  @Override
  public String name() {
    return "binary_accuracy";
  }

  @Override
  public int stateSize() {
    return 2;
  }

  @Override
  public void update(double[] state, Tensor output, Tensor target) {
    Labels.checkSameSize(name(), output, target);
    for (int i = 0, n = output.size(); i < n; i++) {
      boolean predicted = output.data().get(output.offset() + i) > threshold;
      if (predicted == Labels.positive(name(), target, i)) {
        state[0]++;
      }
    }
    state[1] += output.size();
  }

  @Override
  public double result(double[] state) {
    return state[1] == 0 ? 0 : state[0] / state[1];
  }
}

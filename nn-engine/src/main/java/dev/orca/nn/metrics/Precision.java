package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;

/** Of the outputs above {@code threshold}, the share whose target is 1; state {@code [truePositives, falsePositives]}. */
public final class Precision implements Metric {
  private static final long serialVersionUID = 1L;
  private final float threshold;

  public Precision(float threshold) {
    this.threshold = threshold;
  }

  @Override
  public String name() {
    return "precision";
  }

  @Override
  public int stateSize() {
    return 2;
  }

  @Override
  public void update(double[] state, Tensor output, Tensor target) {
    Labels.checkSameSize(name(), output, target);
    for (int i = 0, n = output.size(); i < n; i++) {
      boolean positive = Labels.positive(name(), target, i);
      if (output.data().get(output.offset() + i) > threshold) {
        state[positive ? 0 : 1]++;
      }
    }
  }

  @Override
  public double result(double[] state) {
    double predicted = state[0] + state[1];
    return predicted == 0 ? 0 : state[0] / predicted;
  }
}

package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;

/** Of the targets that are 1, the share with an output above {@code threshold}; state {@code [truePositives, falseNegatives]}. */
public final class Recall implements Metric {
  private static final long serialVersionUID = 1L;
  private final float threshold;

  public Recall(float threshold) {
    this.threshold = threshold;
  }

  @Override
  public String name() {
    return "recall";
  }

  @Override
  public int stateSize() {
    return 2;
  }

  @Override
  public void update(double[] state, Tensor output, Tensor target) {
    Labels.checkSameSize(name(), output, target);
    for (int i = 0, n = output.size(); i < n; i++) {
      if (Labels.positive(name(), target, i)) {
        state[output.data().get(output.offset() + i) > threshold ? 0 : 1]++;
      }
    }
  }

  @Override
  public double result(double[] state) {
    double actual = state[0] + state[1];
    return actual == 0 ? 0 : state[0] / actual;
  }
}

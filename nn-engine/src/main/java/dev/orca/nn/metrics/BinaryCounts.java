package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;

/**
 * A binary metric that counts outcomes into two cells: each output is a prediction (above the
 * threshold or not), each target 0 or 1.
 */
abstract class BinaryCounts implements Metric {
  private static final long serialVersionUID = 1L;
  private final float threshold;

  BinaryCounts(float threshold) {
    this.threshold = threshold;
  }

  @Override
  public final int stateSize() {
    return 2;
  }

  @Override
  public final void update(double[] state, Tensor output, Tensor target) {
    Labels.checkSameSize(name(), output, target);
    for (int i = 0, n = output.size(); i < n; i++) {
      count(
          state,
          output.data().get(output.offset() + i) > threshold,
          Labels.positive(name(), target, i));
    }
  }

  /** Adds one (prediction, truth) pair to the two cells. */
  abstract void count(double[] state, boolean predicted, boolean actual);

  /** {@code state[0] / (state[0] + state[1])}, or 0 when both are 0. */
  static double share(double[] state) {
    double total = state[0] + state[1];
    return total == 0 ? 0 : state[0] / total;
  }

  @Override
  public final double result(double[] state) {
    return share(state);
  }
}

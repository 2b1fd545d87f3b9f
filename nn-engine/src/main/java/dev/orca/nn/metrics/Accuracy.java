package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;

/**
 * The share of rows whose highest score is the class id in the target; state {@code [correct,
 * count]}.
 */
public final class Accuracy implements Metric {
  private static final long serialVersionUID = 1L;

  @Override
  public String name() {
    return "accuracy";
  }

  @Override
  public int stateSize() {
    return 2;
  }

  @Override
  public void update(double[] state, Tensor output, Tensor target) {
    int rows = output.dim(0);
    int classes = output.size() / rows;
    Labels.checkRows(name(), output, target);
    for (int r = 0; r < rows; r++) {
      int best = 0;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < classes; j++) {
        float v = output.data().get(output.offset() + r * classes + j);
        if (v > max) {
          max = v;
          best = j;
        }
      }
      if (best == Labels.classId(name(), target, r, classes)) {
        state[0]++;
      }
    }
    state[1] += rows;
  }

  @Override
  public double result(double[] state) {
    return state[1] == 0 ? 0 : state[0] / state[1];
  }
}

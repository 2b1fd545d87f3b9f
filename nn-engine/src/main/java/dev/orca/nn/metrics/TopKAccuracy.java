package dev.orca.nn.metrics;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Tensor;

/**
 * The share of rows whose target class is among the {@code k} highest scores; state {@code
 * [correct, count]}.
 */
public final class TopKAccuracy implements Metric {
  private static final long serialVersionUID = 1L;
  private final int k;

  public TopKAccuracy(int k) {
    if (k < 1) {
      throw new OrcaConfigurationException("top-k accuracy needs k >= 1, got " + k);
    }
    this.k = k;
  }

  @Override
  public String name() {
    return "top_" + k + "_accuracy";
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
      int label = Labels.classId(name(), target, r, classes);
      float score = output.data().get(output.offset() + r * classes + label);
      int higher = 0;
      for (int j = 0; j < classes; j++) {
        if (output.data().get(output.offset() + r * classes + j) > score) {
          higher++;
        }
      }
      if (higher < k) {
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

package dev.orca.nn.metrics;

/**
 * Of the targets that are 1, the share with an output above {@code threshold}; state {@code
 * [truePositives, falseNegatives]}.
 */
public final class Recall extends BinaryCounts {
  private static final long serialVersionUID = 1L;

  public Recall(float threshold) {
    super(threshold);
  }

  @Override
  public String name() {
    return "recall";
  }

  @Override
  void count(double[] state, boolean predicted, boolean actual) {
    if (actual) {
      state[predicted ? 0 : 1]++;
    }
  }
}

package dev.orca.nn.metrics;

/**
 * Of the outputs above {@code threshold}, the share whose target is 1; state {@code [truePositives,
 * falsePositives]}.
 */
public final class Precision extends BinaryCounts {
  private static final long serialVersionUID = 1L;

  public Precision(float threshold) {
    super(threshold);
  }

  @Override
  public String name() {
    return "precision";
  }

  @Override
  void count(double[] state, boolean predicted, boolean actual) {
    if (predicted) {
      state[actual ? 0 : 1]++;
    }
  }
}

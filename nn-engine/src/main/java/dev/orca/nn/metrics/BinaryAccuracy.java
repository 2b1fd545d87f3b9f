package dev.orca.nn.metrics;

/**
 * The share of outputs on the right side of {@code threshold} (0.5 for probabilities, 0 for
 * logits); targets 0 or 1; state {@code [correct, wrong]}.
 */
public final class BinaryAccuracy extends BinaryCounts {
  private static final long serialVersionUID = 1L;

  public BinaryAccuracy(float threshold) {
    super(threshold);
  }

  @Override
  public String name() {
    return "binary_accuracy";
  }

  @Override
  void count(double[] state, boolean predicted, boolean actual) {
    state[predicted == actual ? 0 : 1]++;
  }
}

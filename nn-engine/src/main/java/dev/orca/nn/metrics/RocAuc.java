package dev.orca.nn.metrics;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Tensor;

/**
 * Area under the ROC curve of a binary score, from a fixed-bin histogram so that the state can be
 * summed across workers: state is {@code [positives per bin..., negatives per bin...]} over scores
 * in [0, 1] (logits are squashed with a sigmoid first when {@code fromLogits}). The area is the
 * Mann-Whitney statistic with pairs in the same bin counted as half, exact up to the bin width.
 */
public final class RocAuc implements Metric {
  private static final long serialVersionUID = 1L;
  private final int bins;
  private final boolean fromLogits;

  public RocAuc(int bins, boolean fromLogits) {
    if (bins < 2) {
      throw new OrcaConfigurationException("ROC AUC needs at least 2 bins, got " + bins);
    }
    this.bins = bins;
    this.fromLogits = fromLogits;
  }

  @Override
  public String name() {
    return "auc";
  }

  @Override
  public int stateSize() {
    return 2 * bins;
  }

  @Override
  public void update(double[] state, Tensor output, Tensor target) {
    Labels.checkSameSize(name(), output, target);
    for (int i = 0, n = output.size(); i < n; i++) {
      double s = output.data().get(output.offset() + i);
      if (fromLogits) {
        s = 1 / (1 + Math.exp(-s));
      }
      int bin = (int) Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
      state[(Labels.positive(name(), target, i) ? 0 : bins) + bin]++;
    }
  }

  @Override
  public double result(double[] state) {
    double positives = 0;
    double negatives = 0;
    for (int b = 0; b < bins; b++) {
      positives += state[b];
      negatives += state[bins + b];
    }
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    double pairs = 0;
    double negativesBelow = 0;
    for (int b = 0; b < bins; b++) {
      pairs += state[b] * (negativesBelow + 0.5 * state[bins + b]);
      negativesBelow += state[bins + b];
    }
    return pairs / (positives * negatives);
  }
}

package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;
import java.io.Serializable;

/**
 * The learning rate as a function of the optimizer step (0-based). Schedules are small serializable
 * values; they compose ({@link Warmup} wraps another schedule).
 */
@FunctionalInterface
public interface LearningRateSchedule extends Serializable {
  double rate(long step);

  /** The same rate at every step. */
  static LearningRateSchedule constant(double rate) {
    return new Constant(rate);
  }

  /**
   * The linear scaling rule for large batches (Goyal et al., 2017): a rate tuned for {@code
   * baseBatch} becomes {@code baseRate * globalBatch / baseBatch} at {@code globalBatch} (the batch
   * summed over all workers). Combine with {@link Warmup}.
   */
  static double linearScaling(double baseRate, int baseBatch, int globalBatch) {
    if (baseBatch <= 0 || globalBatch <= 0) {
      throw new OrcaConfigurationException(
          "batch sizes must be positive, got base " + baseBatch + " and global " + globalBatch);
    }
    return baseRate * globalBatch / baseBatch;
  }

  /** A fixed rate. */
  final class Constant implements LearningRateSchedule {
    private static final long serialVersionUID = 1L;
    private final double rate;

    public Constant(double rate) {
      if (!(rate > 0) || Double.isInfinite(rate)) {
        throw new OrcaConfigurationException(
            "the learning rate must be positive and finite, got " + rate);
      }
      this.rate = rate;
    }

    @Override
    public double rate(long step) {
      return rate;
    }

    @Override
    public String toString() {
      return "constant(" + rate + ")";
    }
  }
}

package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;

/**
 * A linear ramp from {@code startRate} to {@code after.rate(0)} over {@code warmupSteps}, then
 * {@code after} (its step counted from the end of the ramp). With {@link #linearScaling(double,
 * int, int, long, LearningRateSchedule)} this is the large-batch recipe of distributed training:
 * start at the rate tuned for a small batch and ramp to the rate scaled to the global batch.
 */
public final class Warmup implements LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private final long warmupSteps;
  private final double startRate;
  private final LearningRateSchedule after;

  public Warmup(long warmupSteps, double startRate, LearningRateSchedule after) {
    if (warmupSteps < 0 || startRate < 0 || after == null) {
      throw new OrcaConfigurationException(
          "Warmup needs warmupSteps >= 0, startRate >= 0 and a schedule"
              + " after it, got "
              + warmupSteps
              + ", "
              + startRate
              + ", "
              + after);
    }
    this.warmupSteps = warmupSteps;
    this.startRate = startRate;
    this.after = after;
  }

  /**
   * Warm-up from {@code baseRate} to {@code baseRate * globalBatch / baseBatch} over {@code
   * warmupSteps}, then the constant scaled rate.
   */
  public static Warmup linearScaling(
      double baseRate, int baseBatch, int globalBatch, long warmupSteps) {
    double scaled = LearningRateSchedule.linearScaling(baseRate, baseBatch, globalBatch);
    return new Warmup(warmupSteps, baseRate, LearningRateSchedule.constant(scaled));
  }

  /**
   * Warm-up from {@code baseRate} to the scaled rate, then {@code decay} (built for the scaled
   * rate, e.g. a {@link CosineDecay} starting at it).
   */
  public static Warmup linearScaling(
      double baseRate,
      int baseBatch,
      int globalBatch,
      long warmupSteps,
      LearningRateSchedule decay) {
    LearningRateSchedule.linearScaling(baseRate, baseBatch, globalBatch);
    return new Warmup(warmupSteps, baseRate, decay);
  }

  @Override
  public double rate(long step) {
    if (step < warmupSteps) {
      double target = after.rate(0);
      return startRate + (target - startRate) * (step + 1) / warmupSteps;
    }
    return after.rate(step - warmupSteps);
  }
}

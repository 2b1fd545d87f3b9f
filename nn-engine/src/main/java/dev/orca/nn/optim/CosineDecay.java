package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;

/**
 * Cosine annealing from {@code initial} to {@code initial * alpha} over {@code decaySteps}, then
 * flat: {@code initial * ((1 - alpha) * (1 + cos(pi * min(step, decaySteps) / decaySteps)) / 2 +
 * alpha)}.
 */
public final class CosineDecay implements LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private final double initial;
  private final long decaySteps;
  private final double alpha;

  public CosineDecay(double initial, long decaySteps, double alpha) {
    if (!(initial > 0) || decaySteps <= 0 || alpha < 0 || alpha > 1) {
      throw new OrcaConfigurationException(
          "CosineDecay needs initial > 0, decaySteps > 0 and alpha in"
              + " [0, 1], got "
              + initial
              + ", "
              + decaySteps
              + ", "
              + alpha);
    }
    this.initial = initial;
    this.decaySteps = decaySteps;
    this.alpha = alpha;
  }

  @Override
  public double rate(long step) {
    double progress = Math.min(step, decaySteps) / (double) decaySteps;
    return initial * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * progress)) + alpha);
  }
}

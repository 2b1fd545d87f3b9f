package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;

/**
 * {@code initial * decayRate^(step / decaySteps)}, smoothly (as Keras' ExponentialDecay without
 * staircase).
 */
public final class ExponentialDecay implements LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private final double initial;
  private final long decaySteps;
  private final double decayRate;

  public ExponentialDecay(double initial, long decaySteps, double decayRate) {
    if (!(initial > 0) || decaySteps <= 0 || !(decayRate > 0)) {
      throw new OrcaConfigurationException(
          "ExponentialDecay needs initial > 0, decaySteps > 0 and"
              + " decayRate > 0, got "
              + initial
              + ", "
              + decaySteps
              + ", "
              + decayRate);
    }
    this.initial = initial;
    this.decaySteps = decaySteps;
    this.decayRate = decayRate;
  }

  @Override
  public double rate(long step) {
    return initial * Math.pow(decayRate, (double) step / decaySteps);
  }
}

package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;

/**
 * {@code initial * gamma^floor(step / stepSize)}: the rate drops by {@code gamma} every {@code
 * stepSize} steps.
 */
public final class StepDecay implements LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private final double initial;
  private final long stepSize;
  private final double gamma;

  public StepDecay(double initial, long stepSize, double gamma) {
    if (!(initial > 0) || stepSize <= 0 || !(gamma > 0)) {
      throw new OrcaConfigurationException(
          "StepDecay needs initial > 0, stepSize > 0 and gamma > 0,"
              + " got "
              + initial
              + ", "
              + stepSize
              + ", "
              + gamma);
    }
    this.initial = initial;
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  @Override
  public double rate(long step) {
    return initial * Math.pow(gamma, step / stepSize);
  }
}

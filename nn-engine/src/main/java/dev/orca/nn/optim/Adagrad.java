package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;

/**
 * Adagrad: {@code acc += g^2; p -= lr * g / (sqrt(acc) + epsilon)}, the accumulator starting at 0.1
 * as in Keras.
 */
public final class Adagrad extends Optimizer {
  private static final long serialVersionUID = 1L;
  private final float initialAccumulator;
  private final float epsilon;

  public Adagrad(double learningRate) {
    this(LearningRateSchedule.constant(learningRate), 0.1, 1e-7);
  }

  public Adagrad(LearningRateSchedule schedule, double initialAccumulator, double epsilon) {
    super(schedule);
    if (initialAccumulator < 0 || !(epsilon > 0)) {
      throw new OrcaConfigurationException(
          "Adagrad needs initialAccumulator >= 0 and epsilon > 0, got "
              + initialAccumulator
              + ", "
              + epsilon);
    }
    this.initialAccumulator = (float) initialAccumulator;
    this.epsilon = (float) epsilon;
  }

  @Override
  protected int slotCount() {
    return 1;
  }

  @Override
  protected float initialSlotValue(int slot) {
    return initialAccumulator;
  }

  @Override
  protected void update(float[] p, float[] g, float[][] slots, int n, float lr, long t) {
    float[] a = slots[0];
    for (int i = 0; i < n; i++) {
      float acc = a[i] + g[i] * g[i];
      a[i] = acc;
      p[i] -= lr * g[i] / ((float) Math.sqrt(acc) + epsilon);
    }
  }
}

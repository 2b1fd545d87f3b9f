package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** Adagrad: {@code acc += g^2; p -= lr * g / (sqrt(acc) + epsilon)}, the accumulator starting at 0.1 as in Keras. */
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
      throw new OrcaConfigurationException("Adagrad needs initialAccumulator >= 0 and epsilon > 0, got "
          + initialAccumulator + ", " + epsilon);
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
  protected void update(FloatBuffer p, int po, FloatBuffer g, int go, int n, float lr, long t, Tensor[] slots) {
    FloatBuffer a = slots[0].data();
    int ao = slots[0].offset();
    for (int i = 0; i < n; i++) {
      float d = g.get(go + i);
      float acc = a.get(ao + i) + d * d;
      a.put(ao + i, acc);
      p.put(po + i, p.get(po + i) - lr * d / ((float) Math.sqrt(acc) + epsilon));
    }
  }
}

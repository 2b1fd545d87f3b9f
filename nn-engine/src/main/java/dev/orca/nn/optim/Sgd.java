package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and (L2) weight decay, as
 * PyTorch defines them: {@code g += wd * p; b = momentum * b + g; p -= lr * (nesterov ? g +
 * momentum * b : b)}.
 */
public final class Sgd extends Optimizer {
  private static final long serialVersionUID = 1L;
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;

  /** Plain SGD at a fixed rate. */
  public Sgd(double learningRate) {
    this(LearningRateSchedule.constant(learningRate), 0, false, 0);
  }

  /** SGD with momentum at a fixed rate. */
  public Sgd(double learningRate, double momentum) {
    this(LearningRateSchedule.constant(learningRate), momentum, false, 0);
  }

  public Sgd(LearningRateSchedule schedule, double momentum, boolean nesterov, double weightDecay) {
    super(schedule);
    if (momentum < 0 || momentum >= 1 || weightDecay < 0 || (nesterov && momentum == 0)) {
      throw new OrcaConfigurationException(
          "Sgd needs momentum in [0, 1) (positive for Nesterov) and"
              + " weightDecay >= 0, got momentum "
              + momentum
              + ", nesterov "
              + nesterov
              + ", weightDecay "
              + weightDecay);
    }
    this.momentum = (float) momentum;
    this.nesterov = nesterov;
    this.weightDecay = (float) weightDecay;
  }

  @Override
  protected int slotCount() {
    return momentum == 0 ? 0 : 1;
  }

  @Override
  protected void update(float[] p, float[] g, float[][] slots, int n, float lr, long t) {
    if (momentum == 0) {
      for (int i = 0; i < n; i++) {
        p[i] -= lr * (g[i] + weightDecay * p[i]);
      }
      return;
    }
    float[] b = slots[0];
    for (int i = 0; i < n; i++) {
      float d = g[i] + weightDecay * p[i];
      float v = momentum * b[i] + d;
      b[i] = v;
      p[i] -= lr * (nesterov ? d + momentum * v : v);
    }
  }
}

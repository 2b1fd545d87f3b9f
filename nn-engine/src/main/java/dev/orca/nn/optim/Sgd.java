package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Blas;

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

  /** Without weight decay (which would change the gradients in place): 2 or 3 vector passes. */
  @Override
  protected boolean update(
      Blas blas,
      Tensor params,
      Tensor grads,
      Tensor[] slots,
      Tensor scratch,
      int from,
      int n,
      float lr,
      long t) {
    if (weightDecay != 0) {
      return false;
    }
    if (momentum == 0) {
      blas.axpy(n, -lr, grads, from, params, from);
      return true;
    }
    Tensor b = slots[0];
    blas.axpby(n, 1f, grads, from, momentum, b, from);
    if (nesterov) {
      blas.axpy(n, -lr, grads, from, params, from);
      blas.axpy(n, -lr * momentum, b, from, params, from);
    } else {
      blas.axpy(n, -lr, b, from, params, from);
    }
    return true;
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

package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Blas;

/**
 * Adam (Kingma and Ba, 2015) with bias correction, as PyTorch defines it. Weight decay here is L2
 * (added to the gradient); {@link AdamW} decouples it.
 */
public class Adam extends Optimizer {
  private static final long serialVersionUID = 1L;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double weightDecay;

  /** Adam at a fixed rate with the usual betas (0.9, 0.999) and epsilon 1e-8. */
  public Adam(double learningRate) {
    this(LearningRateSchedule.constant(learningRate), 0.9, 0.999, 1e-8, 0);
  }

  public Adam(
      LearningRateSchedule schedule,
      double beta1,
      double beta2,
      double epsilon,
      double weightDecay) {
    super(schedule);
    if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || !(epsilon > 0) || weightDecay < 0) {
      throw new OrcaConfigurationException(
          getClass().getSimpleName()
              + " needs betas in [0, 1), epsilon > 0"
              + " and weightDecay >= 0, got "
              + beta1
              + ", "
              + beta2
              + ", "
              + epsilon
              + ", "
              + weightDecay);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
  }

  /**
   * Whether weight decay shrinks the weights directly (AdamW) instead of adding to the gradient.
   */
  protected boolean decoupled() {
    return false;
  }

  @Override
  protected int slotCount() {
    return 2;
  }

  /**
   * Without L2 decay (which would change the gradients in place): six vector passes, using {@code p
   * - step m / (sqrt(v) / c2 + eps) = p - step c2 m / (sqrt(v) + eps c2)}.
   */
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
    if (!decoupled() && weightDecay != 0) {
      return false;
    }
    Tensor m = slots[0];
    Tensor v = slots[1];
    float c1 = (float) (1 - Math.pow(beta1, t));
    float c2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
    float shrink = decoupled() ? (float) (1 - lr * weightDecay) : 1f;
    blas.axpby(n, (float) (1 - beta1), grads, from, (float) beta1, m, from);
    blas.mul(n, grads, from, grads, from, scratch, 0);
    blas.axpby(n, (float) (1 - beta2), scratch, 0, (float) beta2, v, from);
    blas.sqrt(n, v, from, scratch, 0);
    blas.divide(n, m, from, scratch, 0, (float) epsilon * c2, scratch, 0);
    blas.axpby(n, -lr / c1 * c2, scratch, 0, shrink, params, from);
    return true;
  }

  @Override
  protected void update(float[] p, float[] g, float[][] slots, int n, float lr, long t) {
    float[] m = slots[0];
    float[] v = slots[1];
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float c1 = (float) (1 - Math.pow(beta1, t));
    float c2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
    float eps = (float) epsilon;
    float l2 = decoupled() ? 0f : (float) weightDecay;
    float shrink = decoupled() ? (float) (1 - lr * weightDecay) : 1f;
    float step = lr / c1;
    for (int i = 0; i < n; i++) {
      float d = g[i] + l2 * p[i];
      float mi = b1 * m[i] + (1 - b1) * d;
      float vi = b2 * v[i] + (1 - b2) * d * d;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * shrink - step * mi / ((float) Math.sqrt(vi) / c2 + eps);
    }
  }
}

package dev.orca.nn.optim;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019): each step first shrinks the
 * weights by {@code lr * weightDecay}, then applies the Adam update of the plain gradient.
 */
public final class AdamW extends Adam {
  private static final long serialVersionUID = 1L;

  /** AdamW at a fixed rate, betas (0.9, 0.999), epsilon 1e-8 and PyTorch's default decay 0.01. */
  public AdamW(double learningRate) {
    this(LearningRateSchedule.constant(learningRate), 0.9, 0.999, 1e-8, 0.01);
  }

  public AdamW(
      LearningRateSchedule schedule,
      double beta1,
      double beta2,
      double epsilon,
      double weightDecay) {
    super(schedule, beta1, beta2, epsilon, weightDecay);
  }

  @Override
  protected boolean decoupled() {
    return true;
  }
}

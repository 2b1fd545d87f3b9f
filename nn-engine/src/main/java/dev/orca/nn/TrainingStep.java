package dev.orca.nn;

import dev.orca.OrcaConfigurationException;
import dev.orca.TrainingException;
import dev.orca.nn.internal.Trainable;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.metrics.MetricSums;
import dev.orca.nn.optim.Optimizer;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The engine's one training step and one evaluation loop, for a compiled model: {@code fit} on a
 * single model, the data-parallel workers of the estimator and distributed scoring all run these,
 * so a step means the same everywhere.
 *
 * <p>A step: forward in training mode, the loss and its gradient (optionally scaled, e.g. by a
 * worker's share of a global batch), the batch's figures, backward (telling an optional {@link
 * GradientSync} each finished range of the gradient buffer, so that an all-reduce overlaps
 * backward), then the optimizer's update. A step allocates nothing once warm.
 *
 * <p>Belongs to its model (get it with {@code Model.trainingStep()}), and like the model's other
 * training calls, to one thread at a time.
 */
public final class TrainingStep implements AutoCloseable {
  private final Trainable model;
  private final Optimizer optimizer;
  private final Loss loss;
  private final List<Metric> metrics;
  private final Tensor params;
  private Tensor grads;
  private FloatBuffer gradientBuffer;
  private int epoch = -1;
  private int stepInEpoch;

  /** The loss gradient as backward's argument array, reused so that a step allocates nothing. */
  private final Tensor[] lossGradient = new Tensor[1];

  /** Takes over {@code optimizer}, {@code loss} and {@code metrics} (give it private copies). */
  TrainingStep(Trainable model, Optimizer optimizer, Loss loss, List<Metric> metrics) {
    if (optimizer == null || loss == null) {
      throw new OrcaConfigurationException(
          "compile needs an optimizer and a loss, got " + optimizer + " and " + loss);
    }
    if (model.network().graph().outputs.length != 1) {
      throw new OrcaConfigurationException(
          "compile/fit train models with one output; this one has "
              + model.network().graph().outputs.length
              + ": use forward, backward and Optimizer.step directly");
    }
    this.model = model;
    this.optimizer = optimizer;
    this.loss = loss;
    this.metrics = List.copyOf(metrics);
    this.params = model.buffers().parameters();
    this.grads = model.buffers().gradients();
    this.gradientBuffer = model.buffers().gradientBuffer();
  }

  /** The model's gradients moved to other memory ({@link Model#moveGradientsTo}). */
  void gradientsMoved() {
    this.grads = model.buffers().gradients();
    this.gradientBuffer = model.buffers().gradientBuffer();
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  public Loss loss() {
    return loss;
  }

  public List<Metric> metrics() {
    return metrics;
  }

  /**
   * Where the next step lies in the caller's schedule (both 0-based), named in errors as a console
   * counts them (from 1); without it, errors name the optimizer's step count.
   */
  public void setPosition(int epoch, int step) {
    this.epoch = epoch;
    this.stepInEpoch = step;
  }

  /** Empty sums of this step's loss and metrics. */
  public MetricSums newSums() {
    return new MetricSums(metrics);
  }

  /** One step on one batch; returns the batch's mean loss. */
  public double run(Tensor[] inputs, Tensor labels) {
    return run(inputs, labels, 1f, null, null);
  }

  /**
   * One step on one batch. {@code gradScale} multiplies the loss gradient; {@code sync} (or null)
   * sums the gradients over workers before the update; {@code sums} (or null) receives the batch's
   * loss and metrics. Returns the batch's mean loss.
   *
   * @throws TrainingException if the loss is not finite (the model diverged or the data holds
   *     non-finite values); nothing is updated then
   */
  public double run(
      Tensor[] inputs, Tensor labels, float gradScale, GradientSync sync, MetricSums sums) {
    Tensor out = model.forward(true, inputs)[0];
    Tensor g = model.lossGradient(out.dim(0));
    double value = loss.compute(out, labels, g);
    if (!Double.isFinite(value)) {
      String where =
          epoch >= 0
              ? " in epoch " + (epoch + 1) + ", step " + (stepInEpoch + 1)
              : " at optimizer step " + (optimizer.iterations() + 1);
      throw new TrainingException(
          "the "
              + loss.name()
              + " loss became "
              + value
              + where
              + ": lower the learning"
              + " rate, clip gradients (Optimizer.optClipNorm), or check the data for NaN and infinite values");
    }
    if (gradScale != 1f) {
      scale(g, gradScale);
    }
    if (sums != null) {
      sums.add(value, out, labels);
    }
    lossGradient[0] = g;
    try {
      model.backward(sync == null ? null : sync.start(gradientBuffer), lossGradient);
    } finally {
      lossGradient[0] = null;
    }
    if (sync != null) {
      sync.finish();
    }
    optimizer.step(model.engine(), params, grads, model.trainableRanges());
    return value;
  }

  /**
   * Takes part in a step of data-parallel training without rows of its own: a zero gradient goes
   * into the sum, then the update is the same as on every other worker.
   */
  public void runWithoutRows(GradientSync sync) {
    grads.fill(0f);
    sync.start(gradientBuffer);
    sync.finish();
    optimizer.step(model.engine(), params, grads, model.trainableRanges());
  }

  /**
   * The evaluation loop: the loss and metrics of {@code labels.dim(0)} rows in inference mode, in
   * batches of at most {@code batchSize} rows, added to {@code into}.
   */
  public void evaluate(BatchInputs inputs, Tensor labels, int batchSize, MetricSums into) {
    if (batchSize < 1) {
      throw new OrcaConfigurationException("batchSize must be at least 1, got " + batchSize);
    }
    int rows = labels.dim(0);
    for (int start = 0; start < rows; start += batchSize) {
      int n = Math.min(batchSize, rows - start);
      Tensor y = labels.rows(start, start + n);
      Tensor out = model.forward(false, inputs.rows(start, n))[0];
      into.add(loss.compute(out, y, null), out, y);
    }
  }

  private static void scale(Tensor t, float factor) {
    FloatBuffer d = t.data();
    int end = t.offset() + t.size();
    for (int i = t.offset(); i < end; i++) {
      d.put(i, d.get(i) * factor);
    }
  }

  /** Frees the optimizer's state; idempotent. */
  @Override
  public void close() {
    optimizer.close();
  }
}

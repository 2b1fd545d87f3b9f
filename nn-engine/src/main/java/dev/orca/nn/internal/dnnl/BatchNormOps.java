package dev.orca.nn.internal.dnnl;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.NativeMemory;
import java.nio.FloatBuffer;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * Batch normalisation over the last axis on oneDNN, the data seen as {@code (rows, features)}:
 * forward with the batch's statistics (training) or given ones (inference), and backward.
 */
public final class BatchNormOps implements AutoCloseable {
  private final DnnlStream stream;
  private final int rows;
  private final int features;
  private final Owned owned = new Owned();
  private Op training;
  private Op inference;
  private Op backward;
  private NativeMemory.Block mean;
  private NativeMemory.Block variance;

  private BatchNormOps(DnnlStream stream, int rows, int features) {
    this.stream = stream;
    this.rows = rows;
    this.features = features;
  }

  /** For {@code rows x features} data; null if oneDNN has no implementation. */
  public static BatchNormOps create(DnnlStream stream, int rows, int features, float epsilon) {
    BatchNormOps ops = new BatchNormOps(stream, rows, features);
    dnnl_memory_desc data = Dnnl.md(dnnl_nc, rows, features);
    dnnl_primitive_attr attr = Op.userScratchpad();
    int affine = dnnl_use_scale | dnnl_use_shift;
    try {
      dnnl_primitive_desc pd = new dnnl_primitive_desc();
      ops.training =
          Op.of(
              pd,
              dnnl_batch_normalization_forward_primitive_desc_create(
                  pd, Dnnl.engine(), dnnl_forward_training, data, data, epsilon, affine, attr),
              DNNL_ARG_SRC,
              DNNL_ARG_DST,
              DNNL_ARG_SCALE,
              DNNL_ARG_SHIFT,
              DNNL_ARG_MEAN,
              DNNL_ARG_VARIANCE,
              DNNL_ARG_SCRATCHPAD);
      pd = new dnnl_primitive_desc();
      ops.inference =
          Op.of(
              pd,
              dnnl_batch_normalization_forward_primitive_desc_create(
                  pd,
                  Dnnl.engine(),
                  dnnl_forward_inference,
                  data,
                  data,
                  epsilon,
                  affine | dnnl_use_global_stats,
                  attr),
              DNNL_ARG_SRC,
              DNNL_ARG_DST,
              DNNL_ARG_SCALE,
              DNNL_ARG_SHIFT,
              DNNL_ARG_MEAN,
              DNNL_ARG_VARIANCE,
              DNNL_ARG_SCRATCHPAD);
      if (ops.training == null || ops.inference == null) {
        ops.close();
        return null;
      }
      pd = new dnnl_primitive_desc();
      ops.backward =
          Op.of(
              pd,
              dnnl_batch_normalization_backward_primitive_desc_create(
                  pd,
                  Dnnl.engine(),
                  dnnl_backward,
                  data,
                  data,
                  data,
                  epsilon,
                  affine,
                  ops.training.pd(),
                  attr),
              DNNL_ARG_SRC,
              DNNL_ARG_MEAN,
              DNNL_ARG_VARIANCE,
              DNNL_ARG_DIFF_DST,
              DNNL_ARG_SCALE,
              DNNL_ARG_DIFF_SRC,
              DNNL_ARG_DIFF_SCALE,
              DNNL_ARG_DIFF_SHIFT,
              DNNL_ARG_SCRATCHPAD);
      if (ops.backward == null) {
        ops.close();
        return null;
      }
      ops.mean = ops.owned.block(4L * features);
      ops.variance = ops.owned.block(4L * features);
      stream.reserve(ops.training);
      stream.reserve(ops.inference);
      stream.reserve(ops.backward);
      return ops;
    } catch (RuntimeException e) {
      ops.close();
      throw e;
    } finally {
      dnnl_primitive_attr_destroy(attr);
      Dnnl.destroy(data);
    }
  }

  public boolean matches(int rows, int features) {
    return this.rows == rows && this.features == features;
  }

  /** Normalises with the batch's statistics, left in {@link #mean()} and {@link #variance()}. */
  public void forwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor out) {
    stream.run(
        training
            .at(DNNL_ARG_SRC, x.address())
            .at(DNNL_ARG_DST, out.address())
            .at(DNNL_ARG_SCALE, gamma.address())
            .at(DNNL_ARG_SHIFT, beta.address())
            .at(DNNL_ARG_MEAN, mean.address())
            .at(DNNL_ARG_VARIANCE, variance.address()));
    stream.finish();
  }

  /** Normalises with the given statistics. */
  public void forwardInference(
      Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, Tensor out) {
    stream.run(
        inference
            .at(DNNL_ARG_SRC, x.address())
            .at(DNNL_ARG_DST, out.address())
            .at(DNNL_ARG_SCALE, gamma.address())
            .at(DNNL_ARG_SHIFT, beta.address())
            .at(DNNL_ARG_MEAN, mean.address())
            .at(DNNL_ARG_VARIANCE, variance.address()));
    stream.finish();
  }

  /** The batch mean of the last training forward. */
  public FloatBuffer mean() {
    return mean.buffer();
  }

  /** The batch variance (divided by the rows) of the last training forward. */
  public FloatBuffer variance() {
    return variance.buffer();
  }

  /**
   * Gradients of gamma and beta (overwritten) and of the input into {@code dx}, after a training
   * forward of this step.
   */
  public void backward(
      Tensor x, Tensor grad, Tensor gamma, Tensor dGamma, Tensor dBeta, Tensor dx) {
    stream.run(
        backward
            .at(DNNL_ARG_SRC, x.address())
            .at(DNNL_ARG_MEAN, mean.address())
            .at(DNNL_ARG_VARIANCE, variance.address())
            .at(DNNL_ARG_DIFF_DST, grad.address())
            .at(DNNL_ARG_SCALE, gamma.address())
            .at(DNNL_ARG_DIFF_SRC, dx.address())
            .at(DNNL_ARG_DIFF_SCALE, dGamma.address())
            .at(DNNL_ARG_DIFF_SHIFT, dBeta.address()));
    stream.finish();
  }

  @Override
  public void close() {
    for (Op op : new Op[] {training, inference, backward}) {
      if (op != null) {
        op.close();
      }
    }
    owned.close();
  }
}

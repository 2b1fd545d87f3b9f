package dev.orca.nn.internal.dnnl;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.NativeMemory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * 2-D max or average pooling of channels-last images on oneDNN, for one batch size and input shape:
 * forward (keeping the positions of the maxima in a workspace) and backward.
 */
public final class PoolingOps implements AutoCloseable {
  /** What a window computes. */
  public enum Kind {
    MAX,
    /** The mean of the window's positions inside the image. */
    AVERAGE,
    /** The sum over the window divided by its whole size, padding included. */
    AVERAGE_PADDING_COUNTED
  }

  private final DnnlStream stream;
  private final int batch;
  private final int h;
  private final int w;
  private final int c;
  private final Owned owned = new Owned();
  private Op forward;
  private Op backward;
  private NativeMemory.Block workspace;

  private PoolingOps(DnnlStream stream, int batch, int h, int w, int c) {
    this.stream = stream;
    this.batch = batch;
    this.h = h;
    this.w = w;
    this.c = c;
  }

  /**
   * For {@code batch} images of {@code h x w x c}, windows of {@code kernel} with {@code strides},
   * {@code dilations} (1 = none), padding before ({@code padTop, padLeft}), an {@code oh x ow}
   * output; null if oneDNN has no implementation.
   */
  public static PoolingOps create(
      DnnlStream stream,
      Kind kind,
      int batch,
      int h,
      int w,
      int c,
      int[] kernel,
      int[] strides,
      int[] dilations,
      int padTop,
      int padLeft,
      int oh,
      int ow) {
    PoolingOps ops = new PoolingOps(stream, batch, h, w, c);
    int alg =
        kind == Kind.MAX
            ? dnnl_pooling_max
            : kind == Kind.AVERAGE
                ? dnnl_pooling_avg_exclude_padding
                : dnnl_pooling_avg_include_padding;
    long[] st = {strides[0], strides[1]};
    long[] k = {kernel[0], kernel[1]};
    long[] di = {dilations[0] - 1, dilations[1] - 1};
    long[] padL = {padTop, padLeft};
    long[] padR = {
      Math.max(0, (oh - 1) * strides[0] + (kernel[0] - 1) * dilations[0] + 1 - h - padTop),
      Math.max(0, (ow - 1) * strides[1] + (kernel[1] - 1) * dilations[1] + 1 - w - padLeft)
    };
    dnnl_memory_desc src = Dnnl.md(dnnl_nhwc, batch, c, h, w);
    dnnl_memory_desc dst = Dnnl.md(dnnl_nhwc, batch, c, oh, ow);
    dnnl_primitive_attr attr = Op.userScratchpad();
    boolean max = kind == Kind.MAX;
    try {
      dnnl_primitive_desc pd = new dnnl_primitive_desc();
      int status =
          dnnl_pooling_forward_primitive_desc_create(
              pd, Dnnl.engine(), dnnl_forward_training, alg, src, dst, st, k, di, padL, padR, attr);
      ops.forward =
          max
              ? Op.of(
                  pd, status, DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_SCRATCHPAD)
              : Op.of(pd, status, DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD);
      if (ops.forward == null) {
        ops.close();
        return null;
      }
      pd = new dnnl_primitive_desc();
      status =
          dnnl_pooling_backward_primitive_desc_create(
              pd, Dnnl.engine(), alg, src, dst, st, k, di, padL, padR, ops.forward.pd(), attr);
      ops.backward =
          max
              ? Op.of(
                  pd,
                  status,
                  DNNL_ARG_DIFF_DST,
                  DNNL_ARG_DIFF_SRC,
                  DNNL_ARG_WORKSPACE,
                  DNNL_ARG_SCRATCHPAD)
              : Op.of(pd, status, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC, DNNL_ARG_SCRATCHPAD);
      if (ops.backward == null) {
        ops.close();
        return null;
      }
      if (max) {
        ops.workspace = ops.owned.block(ops.forward.bytes(DNNL_ARG_WORKSPACE));
      }
      stream.reserve(ops.forward);
      stream.reserve(ops.backward);
      return ops;
    } catch (RuntimeException e) {
      ops.close();
      throw e;
    } finally {
      dnnl_primitive_attr_destroy(attr);
      Dnnl.destroy(src, dst);
    }
  }

  public boolean matches(int batch, int h, int w, int c) {
    return this.batch == batch && this.h == h && this.w == w && this.c == c;
  }

  public void forward(Tensor x, Tensor out) {
    forward.at(DNNL_ARG_SRC, x.address()).at(DNNL_ARG_DST, out.address());
    if (workspace != null) {
      forward.at(DNNL_ARG_WORKSPACE, workspace.address());
    }
    stream.run(forward);
    stream.finish();
  }

  /** The input gradient (overwritten) from the output's, after {@link #forward} of this step. */
  public void backward(Tensor grad, Tensor dx) {
    backward.at(DNNL_ARG_DIFF_DST, grad.address()).at(DNNL_ARG_DIFF_SRC, dx.address());
    if (workspace != null) {
      backward.at(DNNL_ARG_WORKSPACE, workspace.address());
    }
    stream.run(backward);
    stream.finish();
  }

  @Override
  public void close() {
    for (Op op : new Op[] {forward, backward}) {
      if (op != null) {
        op.close();
      }
    }
    owned.close();
  }
}

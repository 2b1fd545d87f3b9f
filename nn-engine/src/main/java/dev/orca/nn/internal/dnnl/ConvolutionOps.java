package dev.orca.nn.internal.dnnl;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.NativeMemory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * A 2-D convolution of channels-last images on oneDNN, for one batch size and input shape: the
 * forward, backward-data and backward-weights primitives, created once and reused every step.
 * Images stay channels-last (the layout every other layer reads); the kernel, {@code (kh, kw, c,
 * filters)} in the model's buffer, goes to whatever layout each primitive prefers, by a reorder per
 * step when that differs (a few thousand floats: cheaper than a slower kernel).
 */
public final class ConvolutionOps implements AutoCloseable {
  private final DnnlStream stream;
  private final int batch;
  private final int h;
  private final int w;
  private final int c;
  private final Owned owned = new Owned();
  private Op forward;
  private Op backwardData;
  private Op backwardWeights;
  private Op toForwardKernel;
  private Op toBackwardKernel;
  private Op fromKernelGradient;
  private NativeMemory.Block forwardKernel;
  private NativeMemory.Block backwardKernel;
  private NativeMemory.Block kernelGradient;
  private boolean backwardUsesForwardKernel;

  private ConvolutionOps(DnnlStream stream, int batch, int h, int w, int c) {
    this.stream = stream;
    this.batch = batch;
    this.h = h;
    this.w = w;
    this.c = c;
  }

  /**
   * The primitives for {@code batch} images of {@code h x w x c}, {@code filters} kernels of {@code
   * kernel[0] x kernel[1]}, with {@code strides}, {@code dilations} (1 = none), padding before
   * ({@code padTop, padLeft}) and an {@code oh x ow} output; null if oneDNN has none.
   */
  public static ConvolutionOps create(
      DnnlStream stream,
      int batch,
      int h,
      int w,
      int c,
      int filters,
      int[] kernel,
      int[] strides,
      int[] dilations,
      int padTop,
      int padLeft,
      int oh,
      int ow) {
    ConvolutionOps ops = new ConvolutionOps(stream, batch, h, w, c);
    long[] st = {strides[0], strides[1]};
    long[] di = {dilations[0] - 1, dilations[1] - 1};
    long[] padL = {padTop, padLeft};
    long[] padR = {
      Math.max(0, (oh - 1) * strides[0] + (kernel[0] - 1) * dilations[0] + 1 - h - padTop),
      Math.max(0, (ow - 1) * strides[1] + (kernel[1] - 1) * dilations[1] + 1 - w - padLeft)
    };
    dnnl_memory_desc src = Dnnl.md(dnnl_nhwc, batch, c, h, w);
    dnnl_memory_desc kernelAny = Dnnl.md(dnnl_format_tag_any, filters, c, kernel[0], kernel[1]);
    dnnl_memory_desc kernelPlain = Dnnl.md(dnnl_hwio, filters, c, kernel[0], kernel[1]);
    dnnl_memory_desc bias = Dnnl.md(dnnl_a, filters);
    dnnl_memory_desc dst = Dnnl.md(dnnl_nhwc, batch, filters, oh, ow);
    dnnl_primitive_attr attr = Op.userScratchpad();
    try {
      dnnl_primitive_desc pd = new dnnl_primitive_desc();
      ops.forward =
          Op.of(
              pd,
              dnnl_convolution_forward_primitive_desc_create(
                  pd,
                  Dnnl.engine(),
                  dnnl_forward_training,
                  dnnl_convolution_direct,
                  src,
                  kernelAny,
                  bias,
                  dst,
                  st,
                  di,
                  padL,
                  padR,
                  attr),
              DNNL_ARG_SRC,
              DNNL_ARG_WEIGHTS,
              DNNL_ARG_BIAS,
              DNNL_ARG_DST,
              DNNL_ARG_SCRATCHPAD);
      if (ops.forward == null) {
        ops.close();
        return null;
      }
      pd = new dnnl_primitive_desc();
      ops.backwardData =
          Op.of(
              pd,
              dnnl_convolution_backward_data_primitive_desc_create(
                  pd,
                  Dnnl.engine(),
                  dnnl_convolution_direct,
                  src,
                  kernelAny,
                  dst,
                  st,
                  di,
                  padL,
                  padR,
                  ops.forward.pd(),
                  attr),
              DNNL_ARG_DIFF_DST,
              DNNL_ARG_WEIGHTS,
              DNNL_ARG_DIFF_SRC,
              DNNL_ARG_SCRATCHPAD);
      pd = new dnnl_primitive_desc();
      ops.backwardWeights =
          Op.of(
              pd,
              dnnl_convolution_backward_weights_primitive_desc_create(
                  pd,
                  Dnnl.engine(),
                  dnnl_convolution_direct,
                  src,
                  kernelAny,
                  bias,
                  dst,
                  st,
                  di,
                  padL,
                  padR,
                  ops.forward.pd(),
                  attr),
              DNNL_ARG_SRC,
              DNNL_ARG_DIFF_DST,
              DNNL_ARG_DIFF_WEIGHTS,
              DNNL_ARG_DIFF_BIAS,
              DNNL_ARG_SCRATCHPAD);
      if (ops.backwardData == null || ops.backwardWeights == null) {
        ops.close();
        return null;
      }
      ops.layouts(kernelPlain);
      stream.reserve(ops.forward);
      stream.reserve(ops.backwardData);
      stream.reserve(ops.backwardWeights);
      return ops;
    } catch (RuntimeException e) {
      ops.close();
      throw e;
    } finally {
      dnnl_primitive_attr_destroy(attr);
      Dnnl.destroy(src, kernelAny, kernelPlain, bias, dst);
    }
  }

  /** Reorders between the kernel's layout in the model and the ones the primitives chose. */
  private void layouts(dnnl_memory_desc plain) {
    if (!forward.lays(DNNL_ARG_WEIGHTS, plain)) {
      toForwardKernel = owned.op(Op.reorder(plain, forward.md(DNNL_ARG_WEIGHTS)));
      forwardKernel = owned.block(forward.bytes(DNNL_ARG_WEIGHTS));
    }
    if (!backwardData.lays(DNNL_ARG_WEIGHTS, plain)) {
      if (toForwardKernel != null
          && dnnl_memory_desc_equal(backwardData.md(DNNL_ARG_WEIGHTS), forward.md(DNNL_ARG_WEIGHTS))
              != 0) {
        backwardUsesForwardKernel = true;
      } else {
        toBackwardKernel = owned.op(Op.reorder(plain, backwardData.md(DNNL_ARG_WEIGHTS)));
        backwardKernel = owned.block(backwardData.bytes(DNNL_ARG_WEIGHTS));
      }
    }
    if (!backwardWeights.lays(DNNL_ARG_DIFF_WEIGHTS, plain)) {
      fromKernelGradient = owned.op(Op.reorder(backwardWeights.md(DNNL_ARG_DIFF_WEIGHTS), plain));
      kernelGradient = owned.block(backwardWeights.bytes(DNNL_ARG_DIFF_WEIGHTS));
    }
  }

  /** Whether these primitives are for this batch and input shape. */
  public boolean matches(int batch, int h, int w, int c) {
    return this.batch == batch && this.h == h && this.w == w && this.c == c;
  }

  /** Reorders that one training step runs (forward and backward with an input gradient). */
  public int reordersPerStep() {
    return (toForwardKernel != null ? 1 : 0)
        + (toBackwardKernel != null ? 1 : 0)
        + (fromKernelGradient != null ? 1 : 0);
  }

  /** {@code out = conv(x, kernel) + bias}. */
  public void forward(Tensor x, Tensor kernel, Tensor bias, Tensor out) {
    long k = kernel.address();
    if (toForwardKernel != null) {
      stream.run(toForwardKernel.at(DNNL_ARG_FROM, k).at(DNNL_ARG_TO, forwardKernel.address()));
      k = forwardKernel.address();
    }
    stream.run(
        forward
            .at(DNNL_ARG_SRC, x.address())
            .at(DNNL_ARG_WEIGHTS, k)
            .at(DNNL_ARG_BIAS, bias.address())
            .at(DNNL_ARG_DST, out.address()));
    stream.finish();
  }

  /**
   * Kernel and bias gradients (overwritten; none when they are null: a frozen layer) and, if {@code
   * dx} is not null, the input gradient, after {@link #forward} of the same step.
   */
  public void backward(
      Tensor x, Tensor grad, Tensor kernel, Tensor dKernel, Tensor dBias, Tensor dx) {
    if (dKernel != null) {
      long dk = fromKernelGradient != null ? kernelGradient.address() : dKernel.address();
      stream.run(
          backwardWeights
              .at(DNNL_ARG_SRC, x.address())
              .at(DNNL_ARG_DIFF_DST, grad.address())
              .at(DNNL_ARG_DIFF_WEIGHTS, dk)
              .at(DNNL_ARG_DIFF_BIAS, dBias.address()));
      if (fromKernelGradient != null) {
        stream.run(fromKernelGradient.at(DNNL_ARG_FROM, dk).at(DNNL_ARG_TO, dKernel.address()));
      }
    }
    if (dx != null) {
      long k = kernel.address();
      if (backwardUsesForwardKernel) {
        k = forwardKernel.address();
      } else if (toBackwardKernel != null) {
        stream.run(toBackwardKernel.at(DNNL_ARG_FROM, k).at(DNNL_ARG_TO, backwardKernel.address()));
        k = backwardKernel.address();
      }
      stream.run(
          backwardData
              .at(DNNL_ARG_DIFF_DST, grad.address())
              .at(DNNL_ARG_WEIGHTS, k)
              .at(DNNL_ARG_DIFF_SRC, dx.address()));
    }
    stream.finish();
  }

  @Override
  public void close() {
    for (Op op : new Op[] {forward, backwardData, backwardWeights}) {
      if (op != null) {
        op.close();
      }
    }
    owned.close();
  }
}

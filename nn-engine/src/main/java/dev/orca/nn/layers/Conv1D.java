package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.util.List;

/**
 * 1-D convolution on channels-last sequences {@code (steps, channels)}: kernel size, stride,
 * dilation and zero padding at the start and end (or Keras-style {@link Conv2D.Padding#SAME}). It
 * runs as a 2-D convolution of one row, one GEMM per batch.
 */
public final class Conv1D extends Layer {
  private static final long serialVersionUID = 1L;
  private final int filters;
  private final Window window;
  private final Conv2D.Padding padding;
  private final Initializer kernelInit;
  private transient Convolution.Geometry geo;

  /** {@code filters} kernels of {@code kernel} steps, stride 1, same padding, He-uniform. */
  public Conv1D(int filters, int kernel) {
    this(filters, kernel, 1, 1, 0, 0, Conv2D.Padding.SAME, Initializer.HE_UNIFORM);
  }

  /**
   * With {@link Conv2D.Padding#VALID}, {@code padStart} and {@code padEnd} zero steps are added at
   * the ends.
   */
  public Conv1D(
      int filters,
      int kernel,
      int stride,
      int dilation,
      int padStart,
      int padEnd,
      Conv2D.Padding padding,
      Initializer kernelInit) {
    this.window =
        Window.of(1, kernel).strides(1, stride).dilations(1, dilation).pads(0, padStart, 0, padEnd);
    require(
        filters > 0 && window.check() == null && padding != null,
        "filters, kernel, stride and dilation must be positive and pads not negative, got filters="
            + filters
            + ", "
            + window);
    this.filters = filters;
    this.padding = padding;
    this.kernelInit = kernelInit;
  }

  public int filters() {
    return filters;
  }

  public int kernel() {
    return window.kw;
  }

  public int stride() {
    return window.sw;
  }

  public int dilation() {
    return window.dw;
  }

  /** Zero steps before and after the sequence (VALID padding). */
  public int[] pads() {
    return new int[] {window.pads[1], window.pads[3]};
  }

  public Conv2D.Padding padding() {
    return padding;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() == 2,
        "takes channels-last sequences (steps, channels) per sample, got " + in[0]);
    requireShape(window != null && window.check() == null && filters > 0, "is misconfigured");
    Convolution.Geometry g = geometry(in[0].dim(0), in[0].dim(1));
    requireShape(g.ow > 0, "a kernel of " + window.kw + " steps does not fit in " + in[0]);
    return Shape.of(g.ow, filters);
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    int c = in[0].dim(1);
    int fanIn = window.kw * c;
    return List.of(
        new ParameterSpec(
            "kernel", Shape.of(fanIn, filters), kernelInit, fanIn, window.kw * filters),
        ParameterSpec.constant("bias", Shape.of(filters), Initializer.ZEROS));
  }

  @Override
  public String describe() {
    return filters + " filters of " + window.kw + " steps, " + window + ", " + padding;
  }

  private Convolution.Geometry geometry(int steps, int c) {
    return new Convolution.Geometry(1, steps, c, window, padding == Conv2D.Padding.SAME);
  }

  private Convolution.Geometry geometry(Tensor x) {
    Convolution.Geometry g = geo;
    if (g == null || !g.matches(1, x.dim(1), x.dim(2))) {
      g = geometry(x.dim(1), x.dim(2));
      geo = g;
    }
    return g;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Convolution.forward(ws, in[0], in[0].dim(0), out, param(0), param(1), geometry(in[0]));
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor grad, Tensor[] gradIn) {
    Convolution.backward(
        ws,
        in[0],
        in[0].dim(0),
        grad,
        param(0),
        isFrozen() ? null : grad(0),
        isFrozen() ? null : grad(1),
        gradIn[0],
        geometry(in[0]));
  }
}

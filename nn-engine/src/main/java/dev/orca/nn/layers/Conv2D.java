package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.util.List;

/**
 * 2-D convolution on channels-last images {@code (height, width, channels)}: square kernels with
 * Keras-style {@link Padding}, or any {@link Window} (sizes, strides, dilations, explicit padding
 * on each side). Computed by {@link Convolution} as one GEMM per batch.
 */
public final class Conv2D extends Layer {
  private static final long serialVersionUID = 1L;

  /** How the borders are treated, as in Keras. */
  public enum Padding {
    /** No padding beyond the window's explicit one (none by default): the output shrinks. */
    VALID,
    /** Zero padding so that the output has ceil(input / stride) positions. */
    SAME
  }

  private final int filters;
  // kh, kw and stride: the configuration of format version 1 files; a Window since version 2
  private final int kh;
  private final int kw;
  private final int stride;
  private final Padding padding;
  private final Initializer kernelInit;
  private Window window;
  private transient Convolution.Geometry geo;

  /**
   * {@code filters} square kernels of {@code kernel} x {@code kernel}, stride 1, same padding,
   * He-uniform.
   */
  public Conv2D(int filters, int kernel) {
    this(filters, kernel, kernel, 1, Padding.SAME, Initializer.HE_UNIFORM);
  }

  public Conv2D(int filters, int kh, int kw, int stride, Padding padding, Initializer kernelInit) {
    this(filters, Window.of(kh, kw).strides(stride, stride), padding, kernelInit);
  }

  /** Any window; with {@link Padding#VALID} its explicit padding applies. */
  public Conv2D(int filters, Window window, Padding padding, Initializer kernelInit) {
    require(window != null, "needs a window");
    require(
        filters > 0 && window.check() == null,
        "filters must be positive and the window valid, got filters=" + filters + ", " + window);
    this.filters = filters;
    this.kh = window.kh;
    this.kw = window.kw;
    this.stride = window.sh;
    this.padding = padding;
    this.kernelInit = kernelInit;
    this.window = window;
  }

  /** Files of format version 1 hold only the kernel size and one stride. */
  private Object readResolve() {
    if (window == null) {
      window = Window.of(kh, kw).strides(stride, stride);
    }
    return this;
  }

  public int filters() {
    return filters;
  }

  public Window window() {
    return window;
  }

  public Padding padding() {
    return padding;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() == 3,
        "takes channels-last images (height, width, channels) per"
            + " sample, got "
            + in[0]
            + ": reshape the input to (h, w, c)");
    requireShape(filters > 0 && padding != null, "needs filters and a padding");
    String bad = window.check();
    requireShape(bad == null, bad);
    Convolution.Geometry g = geometry(in[0].dim(0), in[0].dim(1), in[0].dim(2));
    requireShape(g.oh > 0 && g.ow > 0, "a " + window + " kernel does not fit in " + in[0]);
    return Shape.of(g.oh, g.ow, filters);
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    int c = in[0].dim(2);
    int fanIn = kh * kw * c;
    return List.of(
        new ParameterSpec("kernel", Shape.of(fanIn, filters), kernelInit, fanIn, kh * kw * filters),
        ParameterSpec.constant("bias", Shape.of(filters), Initializer.ZEROS));
  }

  @Override
  public String describe() {
    return filters + " filters " + window + ", " + padding.name().toLowerCase();
  }

  private Convolution.Geometry geometry(int h, int w, int c) {
    return new Convolution.Geometry(h, w, c, window, padding == Padding.SAME);
  }

  /** The cached geometry for a batch tensor; rebuilt (a benign race) if its size changed. */
  private Convolution.Geometry geometry(Tensor x) {
    Convolution.Geometry g = geo;
    if (g == null || !g.matches(x.dim(1), x.dim(2), x.dim(3))) {
      g = geometry(x.dim(1), x.dim(2), x.dim(3));
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

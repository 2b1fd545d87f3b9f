package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * 2-D convolution on channels-last images {@code (height, width, channels)}, as one GEMM per batch:
 * the input is unfolded (im2col) into a {@code (batch * positions, kh * kw * channels)} matrix and
 * multiplied by the kernel {@code (kh * kw * channels, filters)}, which gives the channels-last
 * output directly.
 */
public final class Conv2D extends Layer {
  private static final long serialVersionUID = 1L;

  /** How the borders are treated, as in Keras. */
  public enum Padding {
    /** No padding: the output shrinks by kernel - 1. */
    VALID,
    /** Zero padding so that the output has ceil(input / stride) positions. */
    SAME
  }

  private final int filters;
  private final int kh;
  private final int kw;
  private final int stride;
  private final Padding padding;
  private final Initializer kernelInit;
  private transient Geometry geo;

  /**
   * {@code filters} square kernels of {@code kernel} x {@code kernel}, stride 1, same padding,
   * He-uniform.
   */
  public Conv2D(int filters, int kernel) {
    this(filters, kernel, kernel, 1, Padding.SAME, Initializer.HE_UNIFORM);
  }

  public Conv2D(int filters, int kh, int kw, int stride, Padding padding, Initializer kernelInit) {
    require(
        filters > 0 && kh > 0 && kw > 0 && stride > 0,
        "filters, kernel and stride must be"
            + " positive, got filters="
            + filters
            + " kernel="
            + kh
            + "x"
            + kw
            + " stride="
            + stride);
    this.filters = filters;
    this.kh = kh;
    this.kw = kw;
    this.stride = stride;
    this.padding = padding;
    this.kernelInit = kernelInit;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() == 3,
        "takes channels-last images (height, width, channels) per"
            + " sample, got "
            + in[0]
            + ": reshape the input to (h, w, c)");
    Geometry g = geometry(in[0]);
    requireShape(g.oh > 0 && g.ow > 0, "a " + kh + "x" + kw + " kernel does not fit in " + in[0]);
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
    return filters
        + " filters "
        + kh
        + "x"
        + kw
        + ", stride "
        + stride
        + ", "
        + padding.name().toLowerCase();
  }

  private Geometry geometry(Shape in) {
    return new Geometry(in, kh, kw, stride, padding);
  }

  /**
   * The cached geometry for a batch tensor; rebuilt (a benign race between threads) if its size
   * changed.
   */
  private Geometry geometry(Tensor x) {
    Geometry g = geo;
    if (g == null || g.h != x.dim(1) || g.w != x.dim(2) || g.c != x.dim(3)) {
      g = geometry(x.shape().dropFirst());
      geo = g;
    }
    return g;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    Geometry g = geometry(x);
    int batch = x.dim(0);
    int positions = batch * g.oh * g.ow;
    int depth = kh * kw * g.c;
    Tensor col = ws.scratch(0, positions, depth);
    unfold(x, col, g);
    ws.blas()
        .gemm(
            false, false, positions, filters, depth, 1f, col, 0, depth, param(0), 0, filters, 0f,
            out, 0, filters);
    Tensor b = param(1);
    FloatBuffer o = out.data();
    for (int p = 0; p < positions; p++) {
      int at = out.offset() + p * filters;
      for (int f = 0; f < filters; f++) {
        o.put(at + f, o.get(at + f) + b.data().get(b.offset() + f));
      }
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor grad, Tensor[] gradIn) {
    Tensor x = in[0];
    Geometry g = geometry(x);
    int batch = x.dim(0);
    int positions = batch * g.oh * g.ow;
    int depth = kh * kw * g.c;
    Tensor col = ws.scratch(0, positions, depth);
    ws.blas()
        .gemm(
            true, false, depth, filters, positions, 1f, col, 0, depth, grad, 0, filters, 0f,
            grad(0), 0, filters);
    Tensor db = grad(1);
    db.fill(0f);
    FloatBuffer gs = grad.data();
    for (int p = 0; p < positions; p++) {
      for (int f = 0; f < filters; f++) {
        db.data()
            .put(
                db.offset() + f,
                db.data().get(db.offset() + f) + gs.get(grad.offset() + p * filters + f));
      }
    }
    if (gradIn[0] != null) {
      Tensor dcol = ws.scratch(1, positions, depth);
      ws.blas()
          .gemm(
              false, true, positions, depth, filters, 1f, grad, 0, filters, param(0), 0, filters,
              0f, dcol, 0, depth);
      fold(dcol, gradIn[0], g);
    }
  }

  /** im2col: each output position's receptive field, zeros outside the image. */
  private void unfold(Tensor x, Tensor col, Geometry g) {
    walk(x, col, g, false);
  }

  /** col2im: adds each receptive field's gradient back onto the image positions it came from. */
  private void fold(Tensor dcol, Tensor dx, Geometry g) {
    dx.fill(0f);
    walk(dx, dcol, g, true);
  }

  /**
   * Visits every (output position, kernel offset) pair: unfolding copies the image's channels into
   * the column matrix (zeros outside the image); folding adds them back onto the image.
   */
  private void walk(Tensor image, Tensor col, Geometry g, boolean fold) {
    FloatBuffer im = image.data();
    FloatBuffer cs = col.data();
    int row = col.offset();
    for (int n = 0; n < image.dim(0); n++) {
      int base = image.offset() + n * g.h * g.w * g.c;
      for (int oy = 0; oy < g.oh; oy++) {
        for (int ox = 0; ox < g.ow; ox++) {
          for (int dy = 0; dy < kh; dy++) {
            int iy = oy * stride - g.padTop + dy;
            for (int dx = 0; dx < kw; dx++, row += g.c) {
              int ix = ox * stride - g.padLeft + dx;
              boolean inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
              int at = base + (iy * g.w + ix) * g.c;
              if (fold && inside) {
                for (int c = 0; c < g.c; c++) {
                  im.put(at + c, im.get(at + c) + cs.get(row + c));
                }
              } else if (!fold && inside) {
                cs.put(row, im, at, g.c);
              } else if (!fold) {
                for (int c = 0; c < g.c; c++) {
                  cs.put(row + c, 0f);
                }
              }
            }
          }
        }
      }
    }
  }

  /** Input and output sizes and padding for one input shape. */
  private static final class Geometry {
    final int h;
    final int w;
    final int c;
    final int oh;
    final int ow;
    final int padTop;
    final int padLeft;

    Geometry(Shape in, int kh, int kw, int stride, Padding padding) {
      h = in.dim(0);
      w = in.dim(1);
      c = in.dim(2);
      if (padding == Padding.VALID) {
        oh = h < kh ? 0 : (h - kh) / stride + 1;
        ow = w < kw ? 0 : (w - kw) / stride + 1;
        padTop = 0;
        padLeft = 0;
      } else {
        oh = (h + stride - 1) / stride;
        ow = (w + stride - 1) / stride;
        padTop = Math.max((oh - 1) * stride + kh - h, 0) / 2;
        padLeft = Math.max((ow - 1) * stride + kw - w, 0) / 2;
      }
    }
  }
}

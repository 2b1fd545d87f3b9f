package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.ConvolutionOps;
import dev.orca.nn.internal.dnnl.Unsupported;
import java.nio.FloatBuffer;

/**
 * The convolution both {@link Conv2D} and {@link Conv1D} run, on channels-last images as one GEMM
 * per batch: the input is unfolded (im2col) into a {@code (batch * positions, kh * kw * channels)}
 * matrix and multiplied by the kernel {@code (kh * kw * channels, filters)}, which gives the
 * channels-last output directly. A {@link Geometry} fixes sizes, strides, dilations and padding for
 * one input shape. With an engine on oneDNN, its convolution primitives do the work instead (kept
 * in the workspace per shape); this code stays as the reference they are tested against.
 */
final class Convolution {
  private Convolution() {}

  /** Sizes, strides, dilations and the padding before the first row and column. */
  static final class Geometry {
    final int h;
    final int w;
    final int c;
    final int oh;
    final int ow;
    final int kh;
    final int kw;
    final int sh;
    final int sw;
    final int dh;
    final int dw;
    final int padTop;
    final int padLeft;

    /**
     * For an {@code h x w x c} input: with {@code same}, padding that gives ceil(input / stride)
     * positions, the odd one at the end; otherwise the window's explicit padding.
     */
    Geometry(int h, int w, int c, Window k, boolean same) {
      this.h = h;
      this.w = w;
      this.c = c;
      this.kh = k.kh;
      this.kw = k.kw;
      this.sh = k.sh;
      this.sw = k.sw;
      this.dh = k.dh;
      this.dw = k.dw;
      if (same) {
        oh = (h + sh - 1) / sh;
        ow = (w + sw - 1) / sw;
        padTop = Math.max((oh - 1) * sh + (kh - 1) * dh + 1 - h, 0) / 2;
        padLeft = Math.max((ow - 1) * sw + (kw - 1) * dw + 1 - w, 0) / 2;
      } else {
        oh = k.outH(h);
        ow = k.outW(w);
        padTop = k.pads[0];
        padLeft = k.pads[1];
      }
    }

    boolean matches(int h, int w, int c) {
      return this.h == h && this.w == w && this.c == c;
    }
  }

  /** The oneDNN primitives for this call, or null to run the code below. */
  private static ConvolutionOps primitives(Workspace ws, int batch, int filters, Geometry g) {
    if (ws.dnnl() == null) {
      return null;
    }
    ConvolutionOps ops = ws.kept(0, ConvolutionOps.class);
    if (ops != null && ops.matches(batch, g.h, g.w, g.c)) {
      return ops;
    }
    Unsupported no = ws.kept(0, Unsupported.class);
    if (no != null && no.matches(batch, g.h, g.w, g.c)) {
      return null;
    }
    ops =
        ConvolutionOps.create(
            ws.dnnl(),
            batch,
            g.h,
            g.w,
            g.c,
            filters,
            new int[] {g.kh, g.kw},
            new int[] {g.sh, g.sw},
            new int[] {g.dh, g.dw},
            g.padTop,
            g.padLeft,
            g.oh,
            g.ow);
    if (ops == null) {
      ws.keep(0, new Unsupported("a convolution", batch, g.h, g.w, g.c));
      return null;
    }
    return ws.keep(0, ops);
  }

  /** out = conv(x) + bias, for {@code batch} images. */
  static void forward(
      Workspace ws, Tensor x, int batch, Tensor out, Tensor kernel, Tensor bias, Geometry g) {
    int filters = bias.size();
    ConvolutionOps ops = primitives(ws, batch, filters, g);
    if (ops != null) {
      ops.forward(x, kernel, bias, out);
      return;
    }
    int positions = batch * g.oh * g.ow;
    int depth = g.kh * g.kw * g.c;
    Tensor col = ws.scratch(0, positions, depth);
    walk(x, batch, col, g, false);
    ws.blas()
        .gemm(
            false, false, positions, filters, depth, 1f, col, 0, depth, kernel, 0, filters, 0f, out,
            0, filters);
    FloatBuffer o = out.data();
    FloatBuffer b = bias.data();
    for (int p = 0; p < positions; p++) {
      int at = out.offset() + p * filters;
      for (int f = 0; f < filters; f++) {
        o.put(at + f, o.get(at + f) + b.get(bias.offset() + f));
      }
    }
  }

  /**
   * Kernel and bias gradients (unless they are null: a frozen layer) and, if {@code dx} is not
   * null, the input gradient.
   */
  static void backward(
      Workspace ws,
      Tensor x,
      int batch,
      Tensor grad,
      Tensor kernel,
      Tensor dKernel,
      Tensor dBias,
      Tensor dx,
      Geometry g) {
    int filters = grad.dim(-1);
    ConvolutionOps ops = primitives(ws, batch, filters, g);
    if (ops != null) {
      ops.backward(x, grad, kernel, dKernel, dBias, dx);
      return;
    }
    int positions = batch * g.oh * g.ow;
    int depth = g.kh * g.kw * g.c;
    if (dKernel != null) {
      Tensor col = ws.scratch(0, positions, depth);
      ws.blas()
          .gemm(
              true, false, depth, filters, positions, 1f, col, 0, depth, grad, 0, filters, 0f,
              dKernel, 0, filters);
      dBias.fill(0f);
      FloatBuffer gs = grad.data();
      FloatBuffer db = dBias.data();
      for (int p = 0; p < positions; p++) {
        for (int f = 0; f < filters; f++) {
          int at = dBias.offset() + f;
          db.put(at, db.get(at) + gs.get(grad.offset() + p * filters + f));
        }
      }
    }
    if (dx != null) {
      Tensor dcol = ws.scratch(1, positions, depth);
      ws.blas()
          .gemm(
              false, true, positions, depth, filters, 1f, grad, 0, filters, kernel, 0, filters, 0f,
              dcol, 0, depth);
      dx.fill(0f);
      walk(dx, batch, dcol, g, true);
    }
  }

  /**
   * Visits every (output position, kernel offset) pair: unfolding copies the image's channels into
   * the column matrix (zeros outside the image); folding adds them back onto the image.
   */
  private static void walk(Tensor image, int batch, Tensor col, Geometry g, boolean fold) {
    FloatBuffer im = image.data();
    FloatBuffer cs = col.data();
    int row = col.offset();
    for (int n = 0; n < batch; n++) {
      int base = image.offset() + n * g.h * g.w * g.c;
      for (int oy = 0; oy < g.oh; oy++) {
        for (int ox = 0; ox < g.ow; ox++) {
          for (int ky = 0; ky < g.kh; ky++) {
            int iy = oy * g.sh - g.padTop + ky * g.dh;
            for (int kx = 0; kx < g.kw; kx++, row += g.c) {
              int ix = ox * g.sw - g.padLeft + kx * g.dw;
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
}

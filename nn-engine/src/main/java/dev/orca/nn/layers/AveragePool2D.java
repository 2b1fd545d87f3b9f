package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.PoolingOps;
import java.nio.FloatBuffer;

/**
 * Average pooling over windows of channels-last images {@code (h, w, c)}. Padding is left out of
 * the average unless {@code countIncludePad} (then a window's divisor counts its padded positions,
 * but not positions past the padding that a ceil-mode window reaches).
 */
public final class AveragePool2D extends Layer {
  private static final long serialVersionUID = 1L;
  private final Window window;
  private final boolean countIncludePad;

  /** Windows of {@code pool x pool} with stride {@code pool}, no padding. */
  public AveragePool2D(int pool) {
    this(Window.of(pool, pool).strides(pool, pool), false);
  }

  public AveragePool2D(Window window, boolean countIncludePad) {
    require(
        window != null && window.check() == null,
        window == null ? "needs a window" : window.check());
    this.window = window;
    this.countIncludePad = countIncludePad;
  }

  public Window window() {
    return window;
  }

  public boolean countIncludePad() {
    return countIncludePad;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() == 3,
        "takes channels-last images (height, width, channels) per sample, got " + in[0]);
    requireShape(window != null, "has no window");
    String bad = window.check();
    requireShape(bad == null, bad);
    Shape out = window.outputShape(in[0], in[0].dim(2));
    requireShape(
        out.dim(0) > 0 && out.dim(1) > 0, "a " + window + " window does not fit in " + in[0]);
    return out;
  }

  @Override
  public String describe() {
    return window + (countIncludePad ? ", padding counted" : "");
  }

  /** The divisor of the window at (oy, ox). */
  private int count(int oy, int ox, int h, int w) {
    Window k = window;
    int n = 0;
    for (int ky = 0; ky < k.kh; ky++) {
      int iy = oy * k.sh - k.pads[0] + ky * k.dh;
      boolean rowIn = countIncludePad ? iy < h + k.pads[2] : iy >= 0 && iy < h;
      for (int kx = 0; rowIn && kx < k.kw; kx++) {
        int ix = ox * k.sw - k.pads[1] + kx * k.dw;
        if (countIncludePad ? ix < w + k.pads[3] : ix >= 0 && ix < w) {
          n++;
        }
      }
    }
    return Math.max(n, 1);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    PoolingOps ops = Pooling.primitives(ws, kind(), window, in[0], out);
    if (ops != null) {
      ops.forward(in[0], out);
      return;
    }
    walk(in[0], out, false);
  }

  private PoolingOps.Kind kind() {
    return countIncludePad ? PoolingOps.Kind.AVERAGE_PADDING_COUNTED : PoolingOps.Kind.AVERAGE;
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    PoolingOps ops = gradIn[0] == null ? null : Pooling.primitives(ws, kind(), window, in[0], out);
    if (ops != null) {
      ops.backward(g, gradIn[0]);
    } else if (gradIn[0] != null) {
      gradIn[0].fill(0f);
      walk(gradIn[0], g, true);
    }
  }

  /** Forward: y = mean of the window; backward: each window's gradient shared among its inputs. */
  private void walk(Tensor x, Tensor y, boolean back) {
    Window k = window;
    int h = x.dim(1);
    int w = x.dim(2);
    int c = x.dim(3);
    int oh = y.dim(1);
    int ow = y.dim(2);
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    for (int n = 0; n < x.dim(0); n++) {
      int image = x.offset() + n * h * w * c;
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          float scale = 1f / count(oy, ox, h, w);
          int yo = y.offset() + ((n * oh + oy) * ow + ox) * c;
          if (!back) {
            for (int ch = 0; ch < c; ch++) {
              ys.put(yo + ch, 0f);
            }
          }
          for (int ky = 0; ky < k.kh; ky++) {
            int iy = oy * k.sh - k.pads[0] + ky * k.dh;
            if (iy < 0 || iy >= h) {
              continue;
            }
            for (int kx = 0; kx < k.kw; kx++) {
              int ix = ox * k.sw - k.pads[1] + kx * k.dw;
              if (ix < 0 || ix >= w) {
                continue;
              }
              int xo = image + (iy * w + ix) * c;
              for (int ch = 0; ch < c; ch++) {
                if (back) {
                  xs.put(xo + ch, xs.get(xo + ch) + ys.get(yo + ch) * scale);
                } else {
                  ys.put(yo + ch, ys.get(yo + ch) + xs.get(xo + ch));
                }
              }
            }
          }
          if (!back) {
            for (int ch = 0; ch < c; ch++) {
              ys.put(yo + ch, ys.get(yo + ch) * scale);
            }
          }
        }
      }
    }
  }
}

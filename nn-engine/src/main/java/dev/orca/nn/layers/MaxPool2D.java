package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.PoolingOps;
import java.nio.FloatBuffer;

/**
 * Max pooling over windows of channels-last images {@code (h, w, c)}: square ones ({@code pool x
 * pool}, stride {@code pool} by default, no padding) or any {@link Window}. Padding never wins a
 * window.
 */
public final class MaxPool2D extends Layer {
  private static final long serialVersionUID = 1L;
  // the configuration of format version 1 files; a Window since version 2
  private final int pool;
  private final int stride;
  private Window window;

  /** Windows of {@code pool x pool} with stride {@code pool}. */
  public MaxPool2D(int pool) {
    this(pool, pool);
  }

  public MaxPool2D(int pool, int stride) {
    require(
        pool > 0 && stride > 0, "pool and stride must be positive, got " + pool + ", " + stride);
    this.pool = pool;
    this.stride = stride;
    this.window = Window.of(pool, pool).strides(stride, stride);
  }

  /** Any window: sizes, strides, dilations, padding, ceil mode. */
  public MaxPool2D(Window window) {
    require(
        window != null && window.check() == null,
        window == null ? "needs a window" : window.check());
    this.pool = window.kh;
    this.stride = window.sh;
    this.window = window;
  }

  /** Files of format version 1 hold only the pool size and stride. */
  private Object readResolve() {
    if (window == null) {
      window = Window.of(pool, pool).strides(stride, stride);
    }
    return this;
  }

  public Window window() {
    return window;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() == 3,
        "takes channels-last images (height, width, channels) per sample, got " + in[0]);
    String bad = window.check();
    requireShape(bad == null, bad);
    Shape out = window.outputShape(in[0], in[0].dim(2));
    requireShape(
        out.dim(0) > 0 && out.dim(1) > 0, "a " + window + " window does not fit in " + in[0]);
    return out;
  }

  @Override
  public String describe() {
    return window.toString();
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    Window k = window;
    PoolingOps ops = Pooling.primitives(ws, PoolingOps.Kind.MAX, k, x, out);
    if (ops != null) {
      ops.forward(x, out);
      return;
    }
    int h = x.dim(1);
    int w = x.dim(2);
    int c = x.dim(3);
    int oh = out.dim(1);
    int ow = out.dim(2);
    int[] argmax = ws.ints(0, out.size());
    FloatBuffer xs = x.data();
    FloatBuffer y = out.data();
    int o = 0;
    for (int n = 0; n < x.dim(0); n++) {
      int image = n * h * w * c;
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          for (int ch = 0; ch < c; ch++, o++) {
            int best = -1;
            float max = Float.NEGATIVE_INFINITY;
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
                int i = image + (iy * w + ix) * c + ch;
                float v = xs.get(x.offset() + i);
                if (best < 0 || v > max) {
                  max = v;
                  best = i;
                }
              }
            }
            argmax[o] = best;
            y.put(out.offset() + o, max);
          }
        }
      }
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] == null) {
      return;
    }
    PoolingOps ops = Pooling.primitives(ws, PoolingOps.Kind.MAX, window, in[0], out);
    if (ops != null) {
      ops.backward(g, gradIn[0]);
      return;
    }
    int[] argmax = ws.ints(0, out.size());
    Tensor dx = gradIn[0];
    dx.fill(0f);
    FloatBuffer d = dx.data();
    FloatBuffer gs = g.data();
    for (int o = 0, n = out.size(); o < n; o++) {
      if (argmax[o] >= 0) {
        int at = dx.offset() + argmax[o];
        d.put(at, d.get(at) + gs.get(g.offset() + o));
      }
    }
  }
}

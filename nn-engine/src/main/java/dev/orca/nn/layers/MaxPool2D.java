package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** Max pooling over {@code pool x pool} windows of channels-last images, no padding. */
public final class MaxPool2D extends Layer {
  private static final long serialVersionUID = 1L;
  private final int pool;
  private final int stride;

  /** Windows of {@code pool x pool} with stride {@code pool}. */
  public MaxPool2D(int pool) {
    this(pool, pool);
  }

  public MaxPool2D(int pool, int stride) {
    require(
        pool > 0 && stride > 0, "pool and stride must be positive, got " + pool + ", " + stride);
    this.pool = pool;
    this.stride = stride;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() == 3,
        "takes channels-last images (height, width, channels) per sample, got " + in[0]);
    requireShape(
        in[0].dim(0) >= pool && in[0].dim(1) >= pool,
        "a " + pool + "x" + pool + " window does not fit in " + in[0]);
    return Shape.of(
        (in[0].dim(0) - pool) / stride + 1, (in[0].dim(1) - pool) / stride + 1, in[0].dim(2));
  }

  @Override
  public String describe() {
    return pool + "x" + pool + ", stride " + stride;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
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
            int best = image + ((oy * stride) * w + ox * stride) * c + ch;
            float max = xs.get(x.offset() + best);
            for (int dy = 0; dy < pool; dy++) {
              for (int dx = 0; dx < pool; dx++) {
                int i = image + ((oy * stride + dy) * w + ox * stride + dx) * c + ch;
                float v = xs.get(x.offset() + i);
                if (v > max) {
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
    int[] argmax = ws.ints(0, out.size());
    Tensor dx = gradIn[0];
    dx.fill(0f);
    FloatBuffer d = dx.data();
    FloatBuffer gs = g.data();
    for (int o = 0, n = out.size(); o < n; o++) {
      int at = dx.offset() + argmax[o];
      d.put(at, d.get(at) + gs.get(g.offset() + o));
    }
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Chunks;
import dev.orca.nn.internal.Hash;

/**
 * In training, zeroes each element with probability {@code rate} and scales the rest by {@code 1 /
 * (1 - rate)}; in inference, passes its input through. The mask is a pure function of the step's
 * seed (which the trainer may set per step), the layer's position and the element, so every replica
 * and every run draws the same masks.
 */
public final class Dropout extends SameShape {
  private static final long serialVersionUID = 1L;
  private final float rate;

  public Dropout(float rate) {
    require(rate >= 0 && rate < 1, "rate must be in [0, 1), got " + rate);
    this.rate = rate;
  }

  @Override
  public String describe() {
    return "rate=" + rate;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    if (!ws.training() || rate == 0f) {
      out.copyFrom(x);
      return;
    }
    Tensor mask = ws.scratchLike(0, x);
    float[][] b = Chunks.buffers();
    float[] m = b[0];
    float[] v = b[1];
    float keep = 1f / (1f - rate);
    long seed = ws.seed();
    int node = ws.node();
    for (int at = 0, n = x.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      x.data().get(x.offset() + at, v, 0, len);
      for (int i = 0; i < len; i++) {
        m[i] = Hash.uniform(seed, node, at + i) < rate ? 0f : keep;
        v[i] *= m[i];
      }
      mask.data().put(mask.offset() + at, m, 0, len);
      out.data().put(out.offset() + at, v, 0, len);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] == null) {
      return;
    }
    if (!ws.training() || rate == 0f) {
      gradIn[0].copyFrom(g);
      return;
    }
    Tensor mask = ws.scratchLike(0, g);
    float[][] b = Chunks.buffers();
    float[] m = b[0];
    float[] d = b[1];
    for (int at = 0, n = g.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      mask.data().get(mask.offset() + at, m, 0, len);
      g.data().get(g.offset() + at, d, 0, len);
      for (int i = 0; i < len; i++) {
        d[i] *= m[i];
      }
      gradIn[0].data().put(gradIn[0].offset() + at, d, 0, len);
    }
  }
}

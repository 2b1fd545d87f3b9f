package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Hash;
import java.nio.FloatBuffer;

/**
 * In training, zeroes each element with probability {@code rate} and scales the rest by
 * {@code 1 / (1 - rate)}; in inference, passes its input through. The mask is a pure function of
 * the step's seed (which the trainer may set per step), the layer's position and the element, so
 * every replica and every run draws the same masks.
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
    FloatBuffer m = mask.data();
    FloatBuffer xs = x.data();
    FloatBuffer y = out.data();
    float keep = 1f / (1f - rate);
    long seed = ws.seed();
    int node = ws.node();
    for (int i = 0, n = x.size(); i < n; i++) {
      float v = Hash.uniform(seed, node, i) < rate ? 0f : keep;
      m.put(mask.offset() + i, v);
      y.put(out.offset() + i, v * xs.get(x.offset() + i));
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
    FloatBuffer m = mask.data();
    FloatBuffer gs = g.data();
    FloatBuffer d = gradIn[0].data();
    for (int i = 0, n = g.size(); i < n; i++) {
      d.put(gradIn[0].offset() + i, m.get(mask.offset() + i) * gs.get(g.offset() + i));
    }
  }
}

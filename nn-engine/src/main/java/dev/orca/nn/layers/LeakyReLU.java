package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** {@code x} where positive, {@code alpha * x} elsewhere. */
public final class LeakyReLU extends SameShape {
  private static final long serialVersionUID = 1L;
  private final float alpha;

  /** Keras' default slope, 0.3. */
  public LeakyReLU() {
    this(0.3f);
  }

  public LeakyReLU(float alpha) {
    require(alpha >= 0 && alpha < 1, "alpha must be in [0, 1), got " + alpha);
    this.alpha = alpha;
  }

  @Override
  public String describe() {
    return "alpha=" + alpha;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    FloatBuffer x = in[0].data();
    FloatBuffer y = out.data();
    int xo = in[0].offset();
    int yo = out.offset();
    for (int i = 0, n = out.size(); i < n; i++) {
      float v = x.get(xo + i);
      y.put(yo + i, v > 0f ? v : alpha * v);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] == null) {
      return;
    }
    FloatBuffer x = in[0].data();
    FloatBuffer gs = g.data();
    FloatBuffer d = gradIn[0].data();
    int xo = in[0].offset();
    int go = g.offset();
    int dO = gradIn[0].offset();
    for (int i = 0, n = out.size(); i < n; i++) {
      float gv = gs.get(go + i);
      d.put(dO + i, x.get(xo + i) > 0f ? gv : alpha * gv);
    }
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** {@code max(0, x)} element-wise. */
public final class ReLU extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return in[0];
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    FloatBuffer x = in[0].data();
    FloatBuffer y = out.data();
    int xo = in[0].offset();
    int yo = out.offset();
    for (int i = 0, n = out.size(); i < n; i++) {
      y.put(yo + i, Math.max(0f, x.get(xo + i)));
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] == null) {
      return;
    }
    FloatBuffer y = out.data();
    FloatBuffer gs = g.data();
    FloatBuffer d = gradIn[0].data();
    int yo = out.offset();
    int go = g.offset();
    int dO = gradIn[0].offset();
    for (int i = 0, n = out.size(); i < n; i++) {
      d.put(dO + i, y.get(yo + i) > 0f ? gs.get(go + i) : 0f);
    }
  }
}

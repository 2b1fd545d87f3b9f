package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** {@code 1 / (1 + exp(-x))} element-wise, computed as {@code (1 + tanh(x / 2)) / 2}, which never overflows. */
public final class Sigmoid extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return in[0];
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    apply(ws, in[0], out);
  }

  /** {@code out = sigmoid(x)}; {@code x} and {@code out} may be the same tensor. */
  static void apply(Workspace ws, Tensor x, Tensor out) {
    FloatBuffer xs = x.data();
    FloatBuffer y = out.data();
    int xo = x.offset();
    int yo = out.offset();
    int n = out.size();
    for (int i = 0; i < n; i++) {
      y.put(yo + i, 0.5f * xs.get(xo + i));
    }
    ws.blas().tanh(n, out, 0, out, 0);
    for (int i = 0; i < n; i++) {
      y.put(yo + i, 0.5f * y.get(yo + i) + 0.5f);
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
      float v = y.get(yo + i);
      d.put(dO + i, gs.get(go + i) * v * (1f - v));
    }
  }
}

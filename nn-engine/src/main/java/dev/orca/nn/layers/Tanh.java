package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** {@code tanh(x)} element-wise (VML's vsTanh on MKL). */
public final class Tanh extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return in[0];
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    ws.blas().tanh(out.size(), in[0], 0, out, 0);
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
      d.put(dO + i, gs.get(go + i) * (1f - v * v));
    }
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** {@code 1 / (1 + exp(-x))} element-wise, computed as {@code (1 + tanh(x / 2)) / 2}, which never overflows. */
public final class Sigmoid extends SameShape {
  private static final long serialVersionUID = 1L;

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    FloatBuffer xs = in[0].data();
    FloatBuffer y = out.data();
    int xo = in[0].offset();
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
    if (gradIn[0] != null) {
      backwardFromOutput(FromOutput.SIGMOID, out, g, gradIn[0]);
    }
  }
}

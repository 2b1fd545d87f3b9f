package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Chunks;

/**
 * {@code 1 / (1 + exp(-x))} element-wise, computed as {@code (1 + tanh(x / 2)) / 2}, which never
 * overflows.
 */
public final class Sigmoid extends SameShape {
  private static final long serialVersionUID = 1L;

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    scale(in[0], out, 0.5f, 0f);
    ws.blas().tanh(out.size(), out, 0, out, 0);
    scale(out, out, 0.5f, 0.5f);
  }

  /** {@code y = a * x + b} element-wise, on chunked arrays. */
  private static void scale(Tensor x, Tensor y, float a, float b) {
    float[] v = Chunks.buffers()[0];
    for (int at = 0, n = y.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      x.data().get(x.offset() + at, v, 0, len);
      for (int i = 0; i < len; i++) {
        v[i] = a * v[i] + b;
      }
      y.data().put(y.offset() + at, v, 0, len);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      backwardFromOutput(FromOutput.SIGMOID, out, g, gradIn[0]);
    }
  }
}

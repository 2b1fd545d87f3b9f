package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Chunks;

/** {@code max(0, x)} element-wise. */
public final class ReLU extends SameShape {
  private static final long serialVersionUID = 1L;

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    float[] v = Chunks.buffers()[0];
    for (int at = 0, n = out.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      in[0].data().get(in[0].offset() + at, v, 0, len);
      for (int i = 0; i < len; i++) {
        v[i] = Math.max(0f, v[i]);
      }
      out.data().put(out.offset() + at, v, 0, len);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      backwardFromOutput(FromOutput.RELU, out, g, gradIn[0]);
    }
  }
}

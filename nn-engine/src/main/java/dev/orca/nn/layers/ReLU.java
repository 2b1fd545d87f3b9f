package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Chunks;

/** {@code max(0, x)} element-wise. */
public final class ReLU extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return in[0];
  }

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
    if (gradIn[0] == null) {
      return;
    }
    float[][] b = Chunks.buffers();
    float[] y = b[0];
    float[] d = b[1];
    for (int at = 0, n = out.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      out.data().get(out.offset() + at, y, 0, len);
      g.data().get(g.offset() + at, d, 0, len);
      for (int i = 0; i < len; i++) {
        d[i] = y[i] > 0f ? d[i] : 0f;
      }
      gradIn[0].data().put(gradIn[0].offset() + at, d, 0, len);
    }
  }
}

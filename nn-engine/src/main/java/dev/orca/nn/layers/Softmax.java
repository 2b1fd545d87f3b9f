package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/**
 * Softmax over the last axis. For classification training prefer logits and a loss {@code
 * fromLogits}: it is more accurate and cheaper; this layer is for models that must output
 * probabilities.
 */
public final class Softmax extends SameShape {
  private static final long serialVersionUID = 1L;

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int width = x.dim(-1);
    int rows = x.size() / width;
    FloatBuffer xs = x.data();
    FloatBuffer y = out.data();
    for (int r = 0; r < rows; r++) {
      int xo = x.offset() + r * width;
      int yo = out.offset() + r * width;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < width; j++) {
        max = Math.max(max, xs.get(xo + j));
      }
      for (int j = 0; j < width; j++) {
        y.put(yo + j, xs.get(xo + j) - max);
      }
    }
    ws.blas().exp(out.size(), out, 0, out, 0);
    for (int r = 0; r < rows; r++) {
      int yo = out.offset() + r * width;
      float sum = 0f;
      for (int j = 0; j < width; j++) {
        sum += y.get(yo + j);
      }
      float inv = 1f / sum;
      for (int j = 0; j < width; j++) {
        y.put(yo + j, y.get(yo + j) * inv);
      }
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] == null) {
      return;
    }
    int width = out.dim(-1);
    int rows = out.size() / width;
    FloatBuffer y = out.data();
    FloatBuffer gs = g.data();
    FloatBuffer d = gradIn[0].data();
    for (int r = 0; r < rows; r++) {
      int yo = out.offset() + r * width;
      int go = g.offset() + r * width;
      int dO = gradIn[0].offset() + r * width;
      float dot = 0f;
      for (int j = 0; j < width; j++) {
        dot += y.get(yo + j) * gs.get(go + j);
      }
      for (int j = 0; j < width; j++) {
        d.put(dO + j, y.get(yo + j) * (gs.get(go + j) - dot));
      }
    }
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** The logarithm of the softmax over the last axis, computed stably ({@code x - logsumexp(x)}). */
public final class LogSoftmax extends SameShape {
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
      double sum = 0;
      for (int j = 0; j < width; j++) {
        sum += Math.exp(xs.get(xo + j) - max);
      }
      float shift = max + (float) Math.log(sum);
      for (int j = 0; j < width; j++) {
        y.put(yo + j, xs.get(xo + j) - shift);
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
      float sum = 0f;
      for (int j = 0; j < width; j++) {
        sum += gs.get(go + j);
      }
      for (int j = 0; j < width; j++) {
        d.put(dO + j, gs.get(go + j) - (float) Math.exp(y.get(yo + j)) * sum);
      }
    }
  }
}

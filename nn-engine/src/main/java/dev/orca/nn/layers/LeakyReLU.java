package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Chunks;

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

  public float alpha() {
    return alpha;
  }

  @Override
  public String describe() {
    return "alpha=" + alpha;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    float[] v = Chunks.buffers()[0];
    for (int at = 0, n = out.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      in[0].data().get(in[0].offset() + at, v, 0, len);
      for (int i = 0; i < len; i++) {
        v[i] = v[i] > 0f ? v[i] : alpha * v[i];
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
    float[] x = b[0];
    float[] d = b[1];
    for (int at = 0, n = out.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      in[0].data().get(in[0].offset() + at, x, 0, len);
      g.data().get(g.offset() + at, d, 0, len);
      for (int i = 0; i < len; i++) {
        d[i] = x[i] > 0f ? d[i] : alpha * d[i];
      }
      gradIn[0].data().put(gradIn[0].offset() + at, d, 0, len);
    }
  }
}

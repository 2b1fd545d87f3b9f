package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/**
 * The mean over every position of channels-last samples {@code (..., channels)}: images {@code (h,
 * w, c)} and sequences {@code (steps, c)} become {@code (c)}, or {@code (1, 1, c)} and {@code (1,
 * c)} with {@code keepDims}.
 */
public final class GlobalAveragePool extends Layer {
  private static final long serialVersionUID = 1L;
  private final boolean keepDims;

  public GlobalAveragePool() {
    this(false);
  }

  public GlobalAveragePool(boolean keepDims) {
    this.keepDims = keepDims;
  }

  public boolean keepDims() {
    return keepDims;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() >= 2, "takes channels-last samples (positions..., channels), got " + in[0]);
    if (!keepDims) {
      return Shape.of(in[0].dim(-1));
    }
    int[] d = new int[in[0].rank()];
    java.util.Arrays.fill(d, 1);
    d[d.length - 1] = in[0].dim(-1);
    return Shape.of(d);
  }

  @Override
  public String describe() {
    return keepDims ? "keep dims" : "";
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int c = x.dim(-1);
    int positions = x.size() / (x.dim(0) * c);
    float scale = 1f / positions;
    FloatBuffer xs = x.data();
    FloatBuffer y = out.data();
    for (int n = 0; n < x.dim(0); n++) {
      int yo = out.offset() + n * c;
      for (int j = 0; j < c; j++) {
        y.put(yo + j, 0f);
      }
      for (int p = 0; p < positions; p++) {
        int xo = x.offset() + (n * positions + p) * c;
        for (int j = 0; j < c; j++) {
          y.put(yo + j, y.get(yo + j) + xs.get(xo + j));
        }
      }
      for (int j = 0; j < c; j++) {
        y.put(yo + j, y.get(yo + j) * scale);
      }
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    Tensor dx = gradIn[0];
    if (dx == null) {
      return;
    }
    int c = dx.dim(-1);
    int positions = dx.size() / (dx.dim(0) * c);
    float scale = 1f / positions;
    FloatBuffer gs = g.data();
    for (int n = 0; n < dx.dim(0); n++) {
      for (int p = 0; p < positions; p++) {
        int at = dx.offset() + (n * positions + p) * c;
        for (int j = 0; j < c; j++) {
          dx.data().put(at + j, gs.get(g.offset() + n * c + j) * scale);
        }
      }
    }
  }
}

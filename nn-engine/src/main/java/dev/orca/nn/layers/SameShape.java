package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Chunks;

/**
 * A layer whose output has its input's shape: the activations (element-wise; Softmax per row) and
 * Dropout. Its shared backward loops run on chunks copied into Java arrays (see {@link Chunks}),
 * which the JIT vectorises.
 */
abstract class SameShape extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public final Shape outputShape(Shape... in) {
    return in[0];
  }

  /** Which derivative {@link #backwardFromOutput} applies. */
  enum FromOutput {
    /** {@code g * (1 - y^2)}. */
    TANH,
    /** {@code g * y * (1 - y)}. */
    SIGMOID,
    /** {@code y > 0 ? g : 0}. */
    RELU
  }

  /** {@code d = g * f'(x)} where {@code f'} is known from the output {@code y} alone. */
  static void backwardFromOutput(FromOutput kind, Tensor y, Tensor g, Tensor d) {
    float[][] b = Chunks.buffers();
    float[] ys = b[0];
    float[] gs = b[1];
    for (int at = 0, n = y.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      y.data().get(y.offset() + at, ys, 0, len);
      g.data().get(g.offset() + at, gs, 0, len);
      switch (kind) {
        case TANH:
          for (int i = 0; i < len; i++) {
            gs[i] *= 1f - ys[i] * ys[i];
          }
          break;
        case SIGMOID:
          for (int i = 0; i < len; i++) {
            gs[i] *= ys[i] * (1f - ys[i]);
          }
          break;
        default:
          for (int i = 0; i < len; i++) {
            // branch-free: half the signs are random, so a branch would mispredict half the time
            // (it was most of the step's time outside the GEMMs). The mask is all ones exactly
            // when y > 0: the sign bit of both -y's and ~y's bits (-0.0 and negatives give 0).
            int yb = Float.floatToRawIntBits(ys[i]);
            int keep = (-yb & ~yb) >> 31;
            gs[i] = Float.intBitsToFloat(Float.floatToRawIntBits(gs[i]) & keep);
          }
      }
      d.data().put(d.offset() + at, gs, 0, len);
    }
  }
}

package dev.orca.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.orca.nn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * ReLU's backward pass is branch-free bit arithmetic: the gradient passes exactly where the output
 * is positive (subnormals included) and is zero where it is zero, negative zero or negative, also
 * across the chunks it is processed in.
 */
class ReluBackwardTest {
  @Test
  void gradientPassesExactlyWhereTheOutputIsPositive() {
    float[] y = {-2f, -0.0f, 0f, Float.MIN_VALUE, 1e-30f, 3f, Float.MAX_VALUE, -Float.MIN_VALUE};
    float[] g = {5f, -5f, 7f, -1.5f, 2f, -0.25f, 9f, 4f};
    float[] expected = {0f, 0f, 0f, -1.5f, 2f, -0.25f, 9f, 0f};
    try (Tensor ty = Tensor.of(y, y.length);
        Tensor tg = Tensor.of(g, g.length);
        Tensor d = Tensor.zeros(y.length)) {
      SameShape.backwardFromOutput(SameShape.FromOutput.RELU, ty, tg, d);
      assertArrayEquals(expected, d.toArray());
    }
  }

  @Test
  void manyChunksAgreeWithTheDefinition() {
    int n = 3 * 4096 + 17;
    float[] y = new float[n];
    float[] g = new float[n];
    float[] expected = new float[n];
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3) == 0 ? 0f : (float) r.nextGaussian();
      g[i] = (float) r.nextGaussian();
      expected[i] = y[i] > 0 ? g[i] : 0f;
    }
    try (Tensor ty = Tensor.of(y, n);
        Tensor tg = Tensor.of(g, n);
        Tensor d = Tensor.zeros(n)) {
      SameShape.backwardFromOutput(SameShape.FromOutput.RELU, ty, tg, d);
      assertArrayEquals(expected, d.toArray());
    }
  }
}

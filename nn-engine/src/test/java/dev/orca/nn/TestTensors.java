package dev.orca.nn;

import java.util.SplittableRandom;

/** Seeded test data. */
final class TestTensors {
  private TestTensors() {}

  /** Standard normal values of the given shape, the same for the same seed. */
  static Tensor random(long seed, int... dims) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[Shape.of(dims).size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Tensor.of(v, dims);
  }
}

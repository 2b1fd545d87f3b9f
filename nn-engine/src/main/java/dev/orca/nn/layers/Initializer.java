package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import java.util.SplittableRandom;

/**
 * How a parameter starts. The random ones draw from a {@link SplittableRandom} whose algorithm is
 * fixed by the JDK specification, and Gaussian draws use Box-Muller on it, so the same seed gives
 * the same weights on every JVM.
 */
public enum Initializer {
  /** Uniform in +-sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio, 2010). */
  GLOROT_UNIFORM,
  /** Normal with standard deviation sqrt(2 / (fanIn + fanOut)). */
  GLOROT_NORMAL,
  /** Uniform in +-sqrt(6 / fanIn) (He et al., 2015), for ReLU layers. */
  HE_UNIFORM,
  /** Normal with standard deviation sqrt(2 / fanIn). */
  HE_NORMAL,
  ZEROS,
  ONES;

  /** Fills {@code t} for a parameter with the given fan-in and fan-out. */
  public void fill(Tensor t, int fanIn, int fanOut, SplittableRandom random) {
    int n = t.size();
    switch (this) {
      case ZEROS:
        t.fill(0f);
        return;
      case ONES:
        t.fill(1f);
        return;
      case GLOROT_UNIFORM:
        uniform(t, n, Math.sqrt(6.0 / (fanIn + fanOut)), random);
        return;
      case HE_UNIFORM:
        uniform(t, n, Math.sqrt(6.0 / fanIn), random);
        return;
      case GLOROT_NORMAL:
        normal(t, n, Math.sqrt(2.0 / (fanIn + fanOut)), random);
        return;
      case HE_NORMAL:
        normal(t, n, Math.sqrt(2.0 / fanIn), random);
        return;
      default:
        throw new AssertionError(this);
    }
  }

  private static void uniform(Tensor t, int n, double limit, SplittableRandom random) {
    for (int i = 0; i < n; i++) {
      t.set(i, (float) ((random.nextDouble() * 2 - 1) * limit));
    }
  }

  private static void normal(Tensor t, int n, double std, SplittableRandom random) {
    for (int i = 0; i < n; i += 2) {
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      double r = Math.sqrt(-2 * Math.log(u1));
      t.set(i, (float) (std * r * Math.cos(2 * Math.PI * u2)));
      if (i + 1 < n) {
        t.set(i + 1, (float) (std * r * Math.sin(2 * Math.PI * u2)));
      }
    }
  }
}

package dev.orca.nn.internal;

/**
 * Counter-based random numbers: a draw is a pure function of (seed, stream, index), so masks are
 * the same on every worker and every run for the same step seed, and need no generator state. The
 * mixing is SplitMix64's finaliser.
 */
public final class Hash {
  private Hash() {}

  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A uniform double in [0, 1) for draw {@code index} of {@code stream} under {@code seed}. */
  public static double uniform(long seed, long stream, long index) {
    long z = mix(seed + 0x9e3779b97f4a7c15L * (stream + 1)) + 0x9e3779b97f4a7c15L * (index + 1);
    return (mix(z) >>> 11) * 0x1.0p-53;
  }
}

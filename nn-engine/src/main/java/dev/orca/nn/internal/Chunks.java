package dev.orca.nn.internal;

/**
 * Per-thread Java arrays for element-wise loops over native buffers. Element-by-element access to a
 * direct buffer defeats the JIT's vectoriser; copying a chunk into an array (a memcpy), computing
 * on the array and copying it back runs several times faster.
 */
public final class Chunks {
  /** Floats per chunk: 16 KiB, so that a few chunks stay in L1/L2. */
  public static final int SIZE = 4096;

  private static final ThreadLocal<float[][]> BUFFERS =
      ThreadLocal.withInitial(() -> new float[4][SIZE]);

  private Chunks() {}

  /** Four chunk arrays owned by the calling thread; reused by every call on this thread. */
  public static float[][] buffers() {
    return BUFFERS.get();
  }
}

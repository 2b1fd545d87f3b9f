package dev.orca.nn;

import java.nio.FloatBuffer;

/**
 * The optional hook of a {@link TrainingStep} that sums the gradients over data-parallel workers
 * between backward and the update (an all-reduce). Backward tells it each range of the flat
 * gradient buffer as soon as the range is final, so the sum can overlap the rest of backward.
 */
public interface GradientSync {
  /** Called before backward; returns the listener backward tells each finished range. */
  GradientReadyListener start(FloatBuffer gradients);

  /**
   * Called after backward (or, on a worker without rows in this step, after the gradients were
   * zeroed): every range not reported yet is final as well. Returns once the gradients hold the sum
   * over all workers.
   */
  void finish();
}

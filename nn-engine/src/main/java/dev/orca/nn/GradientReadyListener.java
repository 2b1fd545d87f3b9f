package dev.orca.nn;

/**
 * Told during {@link Model#backward(GradientReadyListener, Tensor...)} each time a layer's
 * gradients are final: the range {@code [from, to)} of the flat gradient buffer (in floats) will
 * not change again in this backward pass. Ranges arrive from the end of the buffer towards its
 * start (later layers first), each adjacent to the previous one, so a trainer can start summing the
 * tail of the gradient buffer across workers while earlier layers are still computing. Called on
 * the thread that runs backward; keep it short (hand the range to another thread).
 */
@FunctionalInterface
public interface GradientReadyListener {
  void ready(int from, int to);
}

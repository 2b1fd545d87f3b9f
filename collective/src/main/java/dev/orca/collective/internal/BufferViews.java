package dev.orca.collective.internal;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The caller's float buffer seen as bytes, one view for the sender and one for the receiver (each
 * moves its own position), so that uncompressed chunks go straight between the buffer and the
 * socket. Kept while the same buffer comes back step after step; the weak reference only identifies
 * it, the operation holds the buffer itself while the views are in use.
 */
final class BufferViews {
  private WeakReference<FloatBuffer> of = new WeakReference<>(null);
  private ByteBuffer send;
  private ByteBuffer receive;
  private boolean usable;

  /**
   * Prepares views of {@code buffer}, or none if {@code wanted} is false or it cannot be viewed.
   */
  void reset(FloatBuffer buffer, boolean wanted) {
    if (wanted && of.get() != buffer) {
      send = DirectBytes.view(buffer);
      receive = send == null ? null : send.duplicate().order(send.order());
      of = new WeakReference<>(buffer);
    }
    usable = wanted && send != null;
  }

  /** Bytes of floats {@code [from, from + n)} for the sender, or null to copy instead. */
  ByteBuffer forSend(int from, int n) {
    return usable ? range(send, from, n) : null;
  }

  /** Bytes of floats {@code [from, from + n)} for the receiver, or null to copy instead. */
  ByteBuffer forReceive(int from, int n) {
    return usable ? range(receive, from, n) : null;
  }

  private static ByteBuffer range(ByteBuffer view, int from, int n) {
    view.clear();
    view.limit((from + n) * Float.BYTES).position(from * Float.BYTES);
    return view;
  }
}

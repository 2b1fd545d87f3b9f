package dev.orca.collective.internal;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Where one chunk's floats are for one thread of the chain: a float buffer, the index of the
 * chunk's first float in it, and, when the floats can go to or from a socket as they are, a byte
 * view of the same memory. Each thread has its own, so that positions never clash; views of the
 * caller's buffer are made once per buffer.
 */
final class Place {
  FloatBuffer floats;
  int at;
  private ByteBuffer bytes;
  private FloatBuffer viewed;
  private ByteBuffer view;

  /** {@code floats[at, ...)}, seen as bytes through a view made once per buffer. */
  void of(FloatBuffer floats, int at) {
    if (viewed != floats) {
      view = DirectBytes.view(floats);
      viewed = floats;
    }
    this.floats = floats;
    this.at = at;
    this.bytes = view;
  }

  /** A block of a group's memory with its own byte view (from its first float). */
  void ofBlock(FloatBuffer block, ByteBuffer blockBytes) {
    this.floats = block;
    this.at = 0;
    this.bytes = blockBytes;
  }

  /** The bytes of {@code n} floats from {@link #at}, or null if they must be copied. */
  ByteBuffer bytes(int n) {
    if (bytes == null) {
      return null;
    }
    bytes.clear();
    bytes.limit((at + n) * Float.BYTES).position(at * Float.BYTES);
    return bytes;
  }

  /** Drops the references to the caller's buffer once an operation is done. */
  void release() {
    floats = null;
    viewed = null;
    view = null;
    bytes = null;
  }
}

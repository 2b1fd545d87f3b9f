package dev.orca.collective.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * One frame's payload: a direct buffer in native order with typed views made once, so that encoding
 * and decoding a chunk allocates nothing. Each sender and receiver thread owns one.
 */
public final class ChunkBuffer {
  final ByteBuffer bytes;
  final FloatBuffer floats;
  final ShortBuffer shorts;
  final DoubleBuffer doubles;

  public ChunkBuffer(int capacityBytes) {
    bytes = ByteBuffer.allocateDirect(capacityBytes).order(ByteOrder.nativeOrder());
    floats = bytes.asFloatBuffer();
    shorts = bytes.asShortBuffer();
    doubles = bytes.asDoubleBuffer();
  }

  public int capacity() {
    return bytes.capacity();
  }

  /** The byte buffer set up to hand over the first {@code length} bytes. */
  ByteBuffer payload(int length) {
    bytes.limit(length).position(0);
    return bytes;
  }
}

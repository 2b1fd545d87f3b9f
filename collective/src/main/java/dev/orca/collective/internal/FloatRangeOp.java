package dev.orca.collective.internal;

import java.nio.FloatBuffer;

/** An operation on a range of the caller's float buffer, cut into segments and chunks. */
abstract class FloatRangeOp extends RingOp {
  final Segments segments = new Segments();
  final BufferViews views = new BufferViews();
  private final int chunk;
  FloatBuffer buffer;
  private int offset;
  private int length;

  FloatRangeOp(int rank, int size, int chunkElements) {
    super(rank, size);
    this.chunk = chunkElements;
  }

  /** Binds the range, cut into {@code parts} segments; {@code zeroCopy} allows byte views. */
  final void bind(FloatBuffer buffer, int offset, int length, int parts, boolean zeroCopy) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    segments.reset(offset, length, parts, chunk);
    views.reset(buffer, zeroCopy);
  }

  /** Drops the reference to the caller's buffer once the operation is done. */
  final void release() {
    buffer = null;
  }

  @Override
  final long offset() {
    return offset;
  }

  @Override
  final long length() {
    return length;
  }
}

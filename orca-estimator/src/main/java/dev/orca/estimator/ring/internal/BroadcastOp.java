package dev.orca.estimator.ring.internal;

import dev.orca.estimator.ring.Compression;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Rank 0's floats copied to every worker along the chain 0, 1, ..., size - 1, chunk by chunk, so
 * that each worker forwards a chunk while the next one arrives. Always exact (initial weights).
 */
final class BroadcastOp extends RingOp {
  private final WireCodec raw = WireCodec.of(Compression.NONE);
  private final Segments whole = new Segments();
  private final BufferViews views = new BufferViews();
  private final int chunk;
  private FloatBuffer buffer;
  private int offset;
  private int length;

  BroadcastOp(int rank, int size, int chunkElements) {
    super(rank, size);
    this.chunk = chunkElements;
  }

  BroadcastOp reset(FloatBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    whole.reset(offset, length, 1, chunk);
    views.reset(buffer, true);
    return this;
  }

  void release() {
    buffer = null;
  }

  @Override
  int kind() {
    return BROADCAST;
  }

  @Override
  long offset() {
    return offset;
  }

  @Override
  long length() {
    return length;
  }

  @Override
  int sendSteps() {
    return rank == size - 1 ? 0 : 1; // the last worker of the chain has no one to forward to
  }

  @Override
  int recvSteps() {
    return rank == 0 ? 0 : 1;
  }

  @Override
  int sendChunks(int step) {
    return whole.chunks(0);
  }

  @Override
  int recvChunks(int step) {
    return whole.chunks(0);
  }

  @Override
  int sendDependency(int step) {
    return rank == 0 ? -1 : 0;
  }

  @Override
  int encode(int step, int k, ChunkBuffer out) {
    int n = whole.chunkLength(0, k);
    raw.encode(buffer, whole.chunkStart(0, k), n, out, false);
    return raw.payloadBytes(n);
  }

  @Override
  ByteBuffer sendDirect(int step, int k) {
    return views.forSend(whole.chunkStart(0, k), whole.chunkLength(0, k));
  }

  @Override
  ByteBuffer receiveDirect(int step, int k) {
    return views.forReceive(whole.chunkStart(0, k), whole.chunkLength(0, k));
  }

  @Override
  int payloadBytes(int step, int k) {
    return raw.payloadBytes(whole.chunkLength(0, k));
  }

  @Override
  void decode(int step, int k, ChunkBuffer in) {
    raw.copyTo(in, buffer, whole.chunkStart(0, k), whole.chunkLength(0, k));
  }
}

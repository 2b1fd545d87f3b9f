package dev.orca.collective.internal;

import dev.orca.collective.Compression;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Rank 0's floats copied to every worker along the chain 0, 1, ..., size - 1, chunk by chunk, so
 * that each worker forwards a chunk while the next one arrives. Always exact (initial weights).
 */
final class BroadcastOp extends FloatRangeOp {
  private final WireCodec raw = WireCodec.of(Compression.NONE);

  BroadcastOp(int rank, int size, int chunkElements) {
    super(rank, size, chunkElements);
  }

  BroadcastOp reset(FloatBuffer buffer, int offset, int length) {
    bind(buffer, offset, length, 1, true);
    return this;
  }

  @Override
  int kind() {
    return BROADCAST;
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
    return segments.chunks(0);
  }

  @Override
  int recvChunks(int step) {
    return segments.chunks(0);
  }

  @Override
  int sendDependency(int step) {
    return rank == 0 ? -1 : 0;
  }

  @Override
  int encode(int step, int k, ChunkBuffer out) {
    int n = segments.chunkLength(0, k);
    raw.encode(buffer, segments.chunkStart(0, k), n, out, false);
    return raw.payloadBytes(n);
  }

  @Override
  ByteBuffer sendDirect(int step, int k) {
    return views.forSend(segments.chunkStart(0, k), segments.chunkLength(0, k));
  }

  @Override
  ByteBuffer receiveDirect(int step, int k) {
    return views.forReceive(segments.chunkStart(0, k), segments.chunkLength(0, k));
  }

  @Override
  int payloadBytes(int step, int k) {
    return raw.payloadBytes(segments.chunkLength(0, k));
  }

  @Override
  void decode(int step, int k, ChunkBuffer in) {
    raw.copyTo(in, buffer, segments.chunkStart(0, k), segments.chunkLength(0, k));
  }
}

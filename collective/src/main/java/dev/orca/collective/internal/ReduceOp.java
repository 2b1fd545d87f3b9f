package dev.orca.collective.internal;

import dev.orca.collective.Compression;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Sum of a float range over all workers, in place: reduce-scatter then all-gather around the ring.
 * The range is cut into one segment per worker; in the {@code size - 1} reduce-scatter steps a
 * worker sends segment {@code rank - s} and adds the incoming segment {@code rank - s - 1} into its
 * own copy, so it ends owning the full sum of segment {@code rank + 1}; the all-gather steps then
 * pass the finished segments on. What a worker sends at step {@code s} is what it received at step
 * {@code s - 1}, chunk by chunk, which is how the transfers pipeline.
 */
final class ReduceOp extends FloatRangeOp {
  private final WireCodec codec;

  ReduceOp(int rank, int size, WireCodec codec, int chunkElements) {
    super(rank, size, chunkElements);
    this.codec = codec;
  }

  ReduceOp reset(FloatBuffer buffer, int offset, int length) {
    bind(buffer, offset, length, size, codec.compression() == Compression.NONE);
    return this;
  }

  @Override
  int kind() {
    return ALL_REDUCE;
  }

  @Override
  int sendSteps() {
    return 2 * (size - 1);
  }

  @Override
  int recvSteps() {
    return 2 * (size - 1);
  }

  private int sendSegment(int step) {
    return step < size - 1 ? mod(rank - step) : mod(rank + 1 - (step - (size - 1)));
  }

  private int recvSegment(int step) {
    return step < size - 1 ? mod(rank - step - 1) : mod(rank - (step - (size - 1)));
  }

  @Override
  int sendChunks(int step) {
    return segments.chunks(sendSegment(step));
  }

  @Override
  int recvChunks(int step) {
    return segments.chunks(recvSegment(step));
  }

  @Override
  int sendDependency(int step) {
    return step - 1;
  }

  @Override
  int encode(int step, int k, ChunkBuffer out) {
    int segment = sendSegment(step);
    int n = segments.chunkLength(segment, k);
    // the first all-gather step sends the segment this worker completed: a lossy codec rounds
    // this worker's copy as well, so every worker ends with the same bits
    boolean roundSource = step == size - 1 && codec.compression() != Compression.NONE;
    codec.encode(buffer, segments.chunkStart(segment, k), n, out, roundSource);
    return codec.payloadBytes(n);
  }

  @Override
  ByteBuffer sendDirect(int step, int k) {
    int segment = sendSegment(step);
    return views.forSend(segments.chunkStart(segment, k), segments.chunkLength(segment, k));
  }

  @Override
  ByteBuffer receiveDirect(int step, int k) {
    if (step < size - 1) {
      return null; // reduce-scatter adds what arrives: it goes through the chunk buffer
    }
    int segment = recvSegment(step);
    return views.forReceive(segments.chunkStart(segment, k), segments.chunkLength(segment, k));
  }

  @Override
  int payloadBytes(int step, int k) {
    return codec.payloadBytes(segments.chunkLength(recvSegment(step), k));
  }

  @Override
  void decode(int step, int k, ChunkBuffer in) {
    int segment = recvSegment(step);
    int pos = segments.chunkStart(segment, k);
    int n = segments.chunkLength(segment, k);
    if (step < size - 1) {
      codec.addTo(in, buffer, pos, n);
    } else {
      codec.copyTo(in, buffer, pos, n);
    }
  }
}

package dev.orca.collective.internal;

import dev.orca.collective.Compression;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * One all-reduce as one direction of the chain between hosts sees it. Forward, on the ring's own
 * direction: the last worker of each host but the last sends the host's partial sums, chunk by
 * chunk, to the first worker of the next host. Back, on the same connections the other way: the
 * first worker of each host but the first sends the result to the last worker of the host before.
 * Each connection thus carries one stream each way, and a chunk moves as soon as its piece is
 * ready; links between workers of one host carry only the OP header, which keeps every worker's
 * operations checked against its neighbours'.
 *
 * <p>Chunk {@code k} of the operation is piece {@code firstPiece + k} of the worker's stream of
 * pieces, the same numbering the host groups use.
 */
final class ChainOp extends FloatRangeOp {
  private final boolean forward;
  private final ChainSide side;
  private final WireCodec codec;
  private final boolean sends;
  private final boolean receives;
  private final Place sendPlace = new Place();
  private final Place recvPlace = new Place();
  private long firstPiece;

  /**
   * The {@code forward} or backward direction on a worker that is its host's {@code first} and/or
   * {@code last} worker, on host {@code host} of {@code hosts}.
   */
  ChainOp(
      int rank,
      int size,
      int chunkElements,
      boolean forward,
      ChainSide side,
      Compression compression,
      boolean first,
      boolean last,
      int host,
      int hosts) {
    super(rank, size, chunkElements);
    this.forward = forward;
    this.side = side;
    this.codec = WireCodec.of(compression);
    this.sends = forward ? last && host < hosts - 1 : first && host > 0;
    this.receives = forward ? first && host > 0 : last && host < hosts - 1;
  }

  ChainOp reset(FloatBuffer buffer, int offset, int length, long firstPiece) {
    bind(buffer, offset, length, 1, false);
    this.firstPiece = firstPiece;
    return this;
  }

  /** Drops the caller's buffer once the operation is done. */
  void done() {
    release();
    sendPlace.release();
    recvPlace.release();
  }

  @Override
  int kind() {
    return ALL_REDUCE;
  }

  @Override
  int sendSteps() {
    return sends ? 1 : 0;
  }

  @Override
  int recvSteps() {
    return receives ? 1 : 0;
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
    return -1; // the side says when a chunk may go
  }

  @Override
  void beforeSend(int step, int k) throws LinkFailure {
    long p = firstPiece + k;
    int pos = segments.chunkStart(0, k);
    int n = segments.chunkLength(0, k);
    if (forward) {
      side.partial(p, buffer, pos, n, sendPlace, describe());
    } else {
      side.resultToSend(p, buffer, pos, n, sendPlace, describe());
    }
  }

  @Override
  ByteBuffer sendDirect(int step, int k) {
    return codec.compression() == Compression.NONE
        ? sendPlace.bytes(segments.chunkLength(0, k))
        : null;
  }

  @Override
  int encode(int step, int k, ChunkBuffer out) {
    int n = segments.chunkLength(0, k);
    codec.encode(sendPlace.floats, sendPlace.at, n, out, !forward && side.roundsResult());
    return codec.payloadBytes(n);
  }

  @Override
  void afterSend(int step, int k) {
    if (forward) {
      side.partialSent(firstPiece + k);
    } else {
      side.resultSent(firstPiece + k);
    }
  }

  @Override
  void beforeReceive(int step, int k) throws LinkFailure {
    long p = firstPiece + k;
    int pos = segments.chunkStart(0, k);
    int n = segments.chunkLength(0, k);
    if (forward) {
      side.incoming(p, buffer, pos, n, recvPlace, describe());
    } else {
      side.result(p, buffer, pos, n, recvPlace, describe());
    }
  }

  @Override
  ByteBuffer receiveDirect(int step, int k) {
    return codec.compression() == Compression.NONE
        ? recvPlace.bytes(segments.chunkLength(0, k))
        : null;
  }

  @Override
  int payloadBytes(int step, int k) {
    return codec.payloadBytes(segments.chunkLength(0, k));
  }

  @Override
  void decode(int step, int k, ChunkBuffer in) {
    codec.copyTo(in, recvPlace.floats, recvPlace.at, segments.chunkLength(0, k));
  }

  @Override
  void afterReceive(int step, int k) {
    long p = firstPiece + k;
    if (forward) {
      side.incomingArrived(p, buffer, segments.chunkStart(0, k), segments.chunkLength(0, k));
    } else {
      side.resultArrived(p);
    }
  }
}

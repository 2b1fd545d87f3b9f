package dev.orca.collective.internal;

import java.nio.ByteBuffer;

/**
 * One collective operation as one worker sees it: which frames its sender sends (steps of chunks),
 * which its receiver expects, and which received chunk each sent chunk must wait for. The sender
 * and receiver threads run every operation through the same two loops; the subclasses only say what
 * goes where. Instances are reused from one training step to the next.
 */
public abstract class RingOp {
  static final int ALL_REDUCE = 1;
  static final int BROADCAST = 2;
  static final int GATHER = 3;
  static final int PLACEMENT = 4;

  final int rank;
  final int size;

  /**
   * Set when posted: the operation's number on this ring (the call's number, the same on every
   * worker, in its OP header), its index in its queue, and the received chunks before it.
   */
  long seq;

  long index;

  long recvBase;
  private int[] recvPrefix = new int[8];

  RingOp(int rank, int size) {
    this.rank = rank;
    this.size = size;
  }

  abstract int kind();

  /** First element (or 0) and number of elements, as checked against the peer's header. */
  abstract long offset();

  abstract long length();

  abstract int sendSteps();

  abstract int sendChunks(int step);

  /**
   * The receive step whose chunk {@code k} must be complete before chunk {@code k} of this send
   * step, or -1.
   */
  abstract int sendDependency(int step);

  abstract int recvSteps();

  abstract int recvChunks(int step);

  /**
   * Encodes chunk {@code k} of send step {@code step} into {@code out}; returns the payload bytes.
   */
  abstract int encode(int step, int k, ChunkBuffer out);

  /** Payload bytes expected for chunk {@code k} of receive step {@code step}. */
  abstract int payloadBytes(int step, int k);

  abstract void decode(int step, int k, ChunkBuffer in);

  /** Runs before chunk {@code k} of send step {@code step} goes, after its dependency; may wait. */
  void beforeSend(int step, int k) throws LinkFailure {}

  /** Runs once chunk {@code k} of send step {@code step} is written to the socket. */
  void afterSend(int step, int k) {}

  /** Runs before chunk {@code k} of receive step {@code step} is read; may wait. */
  void beforeReceive(int step, int k) throws LinkFailure {}

  /** Runs once chunk {@code k} of receive step {@code step} is read and decoded. */
  void afterReceive(int step, int k) {}

  /**
   * The caller's bytes to send as chunk {@code k} of send step {@code step} as they are, or null to
   * encode.
   */
  ByteBuffer sendDirect(int step, int k) {
    return null;
  }

  /**
   * Where chunk {@code k} of receive step {@code step} may be read to as it is, or null to decode.
   */
  ByteBuffer receiveDirect(int step, int k) {
    return null;
  }

  /** Computes the receive-chunk prefix sums; called when the operation is posted. */
  final long prepare() {
    int steps = recvSteps();
    if (recvPrefix.length < steps + 1) {
      recvPrefix = new int[steps + 1];
    }
    int total = 0;
    for (int s = 0; s < steps; s++) {
      recvPrefix[s] = total;
      total += recvChunks(s);
    }
    recvPrefix[steps] = total;
    return total;
  }

  /** Received chunks of this operation before receive step {@code step}. */
  final int recvChunksBefore(int step) {
    return recvPrefix[step];
  }

  final int mod(int i) {
    return Math.floorMod(i, size);
  }

  /** E.g. "all-reduce #12 of floats [0, 1000)": how messages name an operation. */
  public String describe() {
    return describe(kind(), seq, offset(), length());
  }

  static String describe(int kind, long seq, long offset, long length) {
    switch (kind) {
      case ALL_REDUCE:
        return "all-reduce #" + seq + " of floats [" + offset + ", " + (offset + length) + ")";
      case BROADCAST:
        return "broadcast #" + seq + " of floats [" + offset + ", " + (offset + length) + ")";
      case GATHER:
        return length == 0
            ? "barrier #" + seq
            : "all-reduce #" + seq + " of " + length + " doubles";
      case PLACEMENT:
        return "the exchange of where the workers run";
      default:
        return "unknown operation (kind " + kind + ") #" + seq;
    }
  }
}

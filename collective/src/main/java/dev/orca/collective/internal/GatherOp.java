package dev.orca.collective.internal;

/**
 * Every worker's small double array passed once around the ring, so that each worker holds all of
 * them and sums them in rank order: the same result, bit for bit, everywhere. With zero doubles it
 * is a barrier: a worker finishes only after it heard from every other worker.
 */
class GatherOp extends RingOp {
  private final int chunk;
  private double[] blocks = new double[0];
  private int length;

  private final int kind;

  GatherOp(int rank, int size, int chunkBytes) {
    this(rank, size, chunkBytes, GATHER);
  }

  /** With {@code kind} {@link #PLACEMENT}: the exchange of sites as the ring forms. */
  GatherOp(int rank, int size, int chunkBytes, int kind) {
    super(rank, size);
    this.chunk = Math.max(1, chunkBytes / Double.BYTES);
    this.kind = kind;
  }

  /** Every worker's values, in rank order, one block of the values' length each. */
  double[] gathered() {
    return java.util.Arrays.copyOf(blocks, length * size);
  }

  GatherOp reset(double[] values) {
    length = values.length;
    if (blocks.length < length * size) {
      blocks = new double[length * size];
    }
    System.arraycopy(values, 0, blocks, rank * length, length);
    return this;
  }

  /** Writes the sum over all workers, in rank order, into {@code values}. */
  void sumInto(double[] values) {
    for (int i = 0; i < length; i++) {
      double sum = 0;
      for (int r = 0; r < size; r++) {
        sum += blocks[r * length + i];
      }
      values[i] = sum;
    }
  }

  @Override
  int kind() {
    return kind;
  }

  @Override
  long offset() {
    return 0;
  }

  @Override
  long length() {
    return length;
  }

  @Override
  int sendSteps() {
    return size - 1;
  }

  @Override
  int recvSteps() {
    return size - 1;
  }

  private int chunks() {
    return Math.max(1, (length + chunk - 1) / chunk); // one empty frame carries a barrier
  }

  @Override
  int sendChunks(int step) {
    return chunks();
  }

  @Override
  int recvChunks(int step) {
    return chunks();
  }

  @Override
  int sendDependency(int step) {
    return step - 1;
  }

  private int count(int k) {
    return Math.max(0, Math.min(chunk, length - k * chunk));
  }

  @Override
  int encode(int step, int k, ChunkBuffer out) {
    int n = count(k);
    out.doubles.put(0, blocks, mod(rank - step) * length + k * chunk, n);
    return n * Double.BYTES;
  }

  @Override
  int payloadBytes(int step, int k) {
    return count(k) * Double.BYTES;
  }

  @Override
  void decode(int step, int k, ChunkBuffer in) {
    in.doubles.get(0, blocks, mod(rank - step - 1) * length + k * chunk, count(k));
  }
}

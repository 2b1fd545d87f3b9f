package dev.orca.estimator.internal.worker;

/**
 * Which global mini-batch each row of the training data belongs to in an epoch, decided from the
 * row's global index alone, so that it does not depend on how the rows are spread over workers: 1,
 * 2 or 4 workers (on either backend) take the same steps on the same batches, and only the order of
 * float summation differs.
 *
 * <p>Shuffled, a row goes to batch {@code hash(seed, epoch, row) mod numBatches}: batches are
 * random every epoch, of about the global batch size each (binomially spread around it). Without
 * shuffling, batch b is rows {@code [b * batchSize, (b + 1) * batchSize)} in data order.
 *
 * <p>A worker builds the plan of its own rows once per epoch ({@link #plan}): a counting sort into
 * per-batch lists, O(rows), no allocation once its arrays have the right size.
 */
public final class BatchPlan {
  private final long totalRows;
  private final int batchSize;
  private final int numBatches;
  private final boolean shuffle;
  private final long seed;
  private int[] starts = new int[0];
  private int[] rows = new int[0];
  private int[] batchOfRow = new int[0];

  public BatchPlan(long totalRows, int batchSize, boolean shuffle, long seed) {
    if (totalRows < 1 || batchSize < 1) {
      throw new IllegalArgumentException("rows " + totalRows + ", batch " + batchSize);
    }
    this.totalRows = totalRows;
    this.batchSize = batchSize;
    this.numBatches = (int) ((totalRows + batchSize - 1) / batchSize);
    this.shuffle = shuffle;
    this.seed = seed;
  }

  public int numBatches() {
    return numBatches;
  }

  public long totalRows() {
    return totalRows;
  }

  /** The batch of the row with global index {@code row} in {@code epoch}. */
  public int batchOf(int epoch, long row) {
    if (!shuffle) {
      return (int) (row / batchSize);
    }
    long h = mix(seed ^ mix(epoch * 0x9E3779B97F4A7C15L + row));
    return (int) Long.remainderUnsigned(h, numBatches);
  }

  /**
   * Sorts this worker's rows into batches for {@code epoch}. {@code globalIndex[i]} is the global
   * index of local row {@code i}. Afterwards {@link #count}, {@link #localRow} describe them.
   */
  public void plan(int epoch, long[] globalIndex) {
    int n = globalIndex.length;
    if (starts.length != numBatches + 1) {
      starts = new int[numBatches + 1];
    } else {
      java.util.Arrays.fill(starts, 0);
    }
    if (rows.length != n) {
      rows = new int[n];
      batchOfRow = new int[n];
    }
    int[] batch = batchOfRow;
    for (int i = 0; i < n; i++) {
      batch[i] = batchOf(epoch, globalIndex[i]);
      starts[batch[i] + 1]++;
    }
    for (int b = 0; b < numBatches; b++) {
      starts[b + 1] += starts[b];
    }
    int[] fill = java.util.Arrays.copyOf(starts, numBatches);
    for (int i = 0; i < n; i++) {
      rows[fill[batch[i]]++] = i;
    }
  }

  /** How many of this worker's rows are in batch {@code b} (after {@link #plan}). */
  public int count(int b) {
    return starts[b + 1] - starts[b];
  }

  /** The {@code k}-th local row of batch {@code b}. */
  public int localRow(int b, int k) {
    return rows[starts[b] + k];
  }

  /** This worker's row counts of every batch, as doubles for an all-reduce into global counts. */
  public double[] counts() {
    double[] c = new double[numBatches];
    for (int b = 0; b < numBatches; b++) {
      c[b] = count(b);
    }
    return c;
  }

  // SplitMix64's finaliser: a fast, well-spread 64-bit mix
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

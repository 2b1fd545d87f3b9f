package dev.orca.estimator.internal.worker;

import dev.orca.OrcaDataException;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows one worker holds: blocks of row-major float32 features and labels in native memory
 * (Arrow buffers of its shards, viewed, not copied), each block with the global index of its
 * first row. The memory belongs to whoever built this (the backend keeps the shards open while
 * training); this class only indexes it.
 */
public final class LocalData {
  /** One block: {@code rows} rows at {@code features} and {@code labels} (native addresses). */
  public record Block(long features, long labels, int rows, long firstGlobalRow) {}

  private final int featureWidth;
  private final int labelWidth;
  private final List<Block> blocks;
  private final long[] featureRow;
  private final long[] labelRow;
  private final long[] globalIndex;

  public LocalData(int featureWidth, int labelWidth, List<Block> blocks) {
    this.featureWidth = featureWidth;
    this.labelWidth = labelWidth;
    this.blocks = List.copyOf(blocks);
    long total = 0;
    for (Block b : blocks) {
      total += b.rows();
    }
    if (total > Integer.MAX_VALUE) {
      throw new OrcaDataException("one worker holds " + total + " rows; use more workers (at most "
          + Integer.MAX_VALUE + " rows each)");
    }
    int n = (int) total;
    this.featureRow = new long[n];
    this.labelRow = new long[n];
    this.globalIndex = new long[n];
    int i = 0;
    for (Block b : blocks) {
      for (int r = 0; r < b.rows(); r++, i++) {
        featureRow[i] = b.features() + 4L * featureWidth * r;
        labelRow[i] = b.labels() + 4L * labelWidth * r;
        globalIndex[i] = b.firstGlobalRow() + r;
      }
    }
  }

  /** No rows, for a worker that got no data. */
  public static LocalData empty(int featureWidth, int labelWidth) {
    return new LocalData(featureWidth, labelWidth, new ArrayList<>());
  }

  public int rows() {
    return globalIndex.length;
  }

  public int featureWidth() {
    return featureWidth;
  }

  public int labelWidth() {
    return labelWidth;
  }

  public List<Block> blocks() {
    return blocks;
  }

  /** The global index of every local row, for the {@link BatchPlan}. */
  public long[] globalIndex() {
    return globalIndex;
  }

  /** The native address of local row {@code i}'s features. */
  public long featureAddress(int i) {
    return featureRow[i];
  }

  /** The native address of local row {@code i}'s labels. */
  public long labelAddress(int i) {
    return labelRow[i];
  }
}

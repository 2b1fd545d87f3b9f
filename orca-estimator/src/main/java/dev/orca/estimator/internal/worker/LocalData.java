package dev.orca.estimator.internal.worker;

import dev.orca.OrcaDataException;
import dev.orca.arrow.Shard;
import dev.orca.arrow.TensorView;
import dev.orca.nn.Tensor;
import java.util.List;

/**
 * The rows one worker holds: blocks of features and labels, each a {@code (rows, width)} tensor
 * viewing the Arrow memory of a shard (no copy), with the global index of the block's first row.
 * The memory belongs to whoever built this (the backend keeps the shards open while training); this
 * class only indexes it.
 */
public final class LocalData {
  /**
   * One block: {@code features.dim(0)} rows, the first of which has global index {@code
   * firstGlobalRow}.
   */
  public record Block(Tensor features, Tensor labels, long firstGlobalRow) {
    public Block {
      if (features.dim(0) != labels.dim(0)) {
        throw new OrcaDataException(
            "a block has "
                + features.dim(0)
                + " rows of features but "
                + labels.dim(0)
                + " rows of labels");
      }
    }

    /** The features and labels of an open shard (with rows), as views of its Arrow memory. */
    public static Block of(Shard shard, long firstGlobalRow) {
      return new Block(
          TensorView.of(shard.features()), TensorView.of(shard.labels()), firstGlobalRow);
    }

    public int rows() {
      return features.dim(0);
    }
  }

  private final int featureWidth;
  private final int labelWidth;
  private final Block[] blocks;
  private final int[] blockOf;
  private final int[] rowInBlock;
  private final long[] globalIndex;

  public LocalData(int featureWidth, int labelWidth, List<Block> blocks) {
    this.featureWidth = featureWidth;
    this.labelWidth = labelWidth;
    this.blocks = blocks.toArray(new Block[0]);
    long total = 0;
    for (Block b : this.blocks) {
      total += b.rows();
    }
    if (total > Integer.MAX_VALUE) {
      throw new OrcaDataException(
          "one worker holds "
              + total
              + " rows; use more workers (at most "
              + Integer.MAX_VALUE
              + " rows each)");
    }
    int n = (int) total;
    this.blockOf = new int[n];
    this.rowInBlock = new int[n];
    this.globalIndex = new long[n];
    int i = 0;
    for (int k = 0; k < this.blocks.length; k++) {
      Block b = this.blocks[k];
      for (int r = 0; r < b.rows(); r++, i++) {
        blockOf[i] = k;
        rowInBlock[i] = r;
        globalIndex[i] = b.firstGlobalRow() + r;
      }
    }
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

  /** The blocks, in the order their rows are numbered locally. */
  public Block[] blocks() {
    return blocks;
  }

  /** The global index of every local row, for the {@link BatchPlan}. */
  public long[] globalIndex() {
    return globalIndex;
  }

  /** The block holding local row {@code i}. */
  public Block blockOf(int i) {
    return blocks[blockOf[i]];
  }

  /** Where local row {@code i} lies in its block. */
  public int rowInBlock(int i) {
    return rowInBlock[i];
  }
}

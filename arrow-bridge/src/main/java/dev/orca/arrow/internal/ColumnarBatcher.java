package dev.orca.arrow.internal;

import java.util.Iterator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Shards from a stream of Spark column batches (a cached DataFrame, Parquet files): ranges of rows
 * are copied column by column into the blocks, the fast path; a range with a null, NaN or infinity
 * in a block column, or with array columns, goes row by row through views of the batch's rows,
 * where the null policy applies. A Spark batch may be split between shards and is read only while
 * it is current (scans reuse their batch for the next one).
 */
public final class ColumnarBatcher extends BatchStream {
  private final Iterator<ColumnarBatch> batches;
  private ColumnarBatch current;
  private int position;

  public ColumnarBatcher(
      Iterator<ColumnarBatch> batches, ShardLayout layout, BufferAllocator parent, String name) {
    super(layout, parent, name);
    this.batches = batches;
  }

  @Override
  boolean hasInput() {
    while (current == null || position == current.numRows()) {
      if (!batches.hasNext()) {
        return false;
      }
      current = batches.next();
      position = 0;
    }
    return true;
  }

  @Override
  void fill(ShardBuilder batch) {
    while ((count < maxRows || failed) && hasInput()) {
      int n =
          failed
              ? current.numRows() - position
              : Math.min(maxRows - count, current.numRows() - position);
      ensureRoom(batch, failed ? 0 : n);
      if (!failed && copyColumns(batch, n)) {
        for (int i = 0; i < n; i++) {
          batch.writeKept(current.getRow(position + i), count + i);
        }
        count += n;
        rowsRead += n;
      } else {
        for (int i = 0; i < n; i++) {
          add(batch, current.getRow(position + i));
        }
      }
      position += n;
    }
  }

  /** The fast path: true if every block took the range clean, column by column. */
  private boolean copyColumns(ShardBuilder batch, int n) {
    for (BlockWriter b : batch.blocks) {
      if (!b.copyColumns(current, position, n, count)) {
        return false;
      }
    }
    return true;
  }
}

package dev.orca.arrow.internal;

import java.util.Iterator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.catalyst.InternalRow;

/** Shards from a stream of Spark's internal rows (one partition), row by row. */
public final class RowBatcher extends BatchStream {
  private final Iterator<InternalRow> rows;

  public RowBatcher(
      Iterator<InternalRow> rows, ShardLayout layout, BufferAllocator parent, String name) {
    super(layout, parent, name);
    this.rows = rows;
  }

  @Override
  boolean hasInput() {
    return rows.hasNext();
  }

  @Override
  void fill(ShardBuilder batch) {
    // under FAIL, after a bad row the rest of the partition is read to count them all
    while ((count < maxRows || failed) && rows.hasNext()) {
      InternalRow row = rows.next();
      ensureRoom(batch, 1);
      add(batch, row);
    }
  }
}

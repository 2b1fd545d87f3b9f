package dev.orca.arrow.internal;

import dev.orca.OrcaException;
import dev.orca.arrow.BatchColumns;
import dev.orca.arrow.Shard;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;

/**
 * The rows of one partition, each followed by columns computed from its batch's shard: the input
 * rows are kept (copied, as Spark reuses them) while the converter reads them into a shard, then
 * handed out with the computed values beside them. Input columns of any type pass through as Spark
 * holds them; only the block columns are converted. Never drops a row (the layout's null policy
 * must not), so every row meets its own values.
 */
public final class AppendedRows implements Iterator<InternalRow> {
  private final List<InternalRow> batch = new ArrayList<>();
  private final Iterator<Shard> shards;
  private final BatchColumns columns;
  private final String name;
  private List<InternalRow> added = List.of();
  private int next;

  public AppendedRows(
      Iterator<InternalRow> rows,
      ShardLayout layout,
      BatchColumns columns,
      BufferAllocator parent,
      String name) {
    this.columns = columns;
    this.name = name;
    Iterator<InternalRow> kept =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return rows.hasNext();
          }

          @Override
          public InternalRow next() {
            InternalRow row = rows.next().copy();
            batch.add(row);
            return row;
          }
        };
    this.shards = new RowBatcher(kept, layout, parent, name);
  }

  @Override
  public boolean hasNext() {
    while (next == batch.size()) {
      batch.clear();
      next = 0;
      if (!shards.hasNext()) {
        return false;
      }
      try (Shard shard = shards.next()) {
        if (shard.rows() != batch.size()) {
          throw new IllegalStateException(
              "shard of " + shard.rows() + " rows made from " + batch.size() + " rows of " + name);
        }
        added = compute(shard);
      }
      if (added.size() != batch.size()) {
        throw new OrcaException(
            "the columns computed for a batch of "
                + batch.size()
                + " rows of "
                + name
                + " have "
                + added.size()
                + " rows; give one row of values per input row");
      }
    }
    return true;
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more rows in " + name);
    }
    InternalRow out = new JoinedRow(batch.get(next), added.get(next));
    next++;
    return out;
  }

  private List<InternalRow> compute(Shard shard) {
    try {
      return columns.compute(shard);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new OrcaException("computing columns of " + shard.name() + " failed: " + e, e);
    }
  }
}

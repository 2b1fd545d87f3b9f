package dev.orca.arrow.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.NullPolicy;
import dev.orca.arrow.Shard;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Turns a stream of Spark rows (one partition) into a stream of shards, one batch at a time: a
 * batch is built only when the consumer asks for the next shard, so a partition of any size
 * passes through in bounded memory. Each shard gets its own child allocator, named after the
 * partition and the batch.
 */
public final class RowBatcher implements Iterator<Shard> {
  /** The first batch of a partition starts this small and doubles, so small partitions stay small. */
  private static final int FIRST_CAPACITY = 1024;

  private final Iterator<InternalRow> rows;
  private final ShardLayout layout;
  private final Schema schema;
  private final BufferAllocator parent;
  private final String name;
  private final int maxRows;
  private final NullPolicy policy;
  private int startCapacity;
  private int batches;
  private long rowsRead;
  private Shard next;
  private boolean done;

  public RowBatcher(Iterator<InternalRow> rows, ShardLayout layout, BufferAllocator parent, String name) {
    this.rows = rows;
    this.layout = layout;
    this.schema = layout.arrowSchema();
    this.parent = parent;
    this.name = name;
    this.maxRows = layout.rowsPerBatch();
    this.policy = layout.options().nullPolicy();
    this.startCapacity = Math.min(maxRows, FIRST_CAPACITY);
  }

  @Override
  public boolean hasNext() {
    while (next == null && !done) {
      if (!rows.hasNext()) {
        done = true;
      } else {
        next = build();
      }
    }
    return next != null;
  }

  @Override
  public Shard next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more shards in " + name);
    }
    Shard out = next;
    next = null;
    return out;
  }

  /** The next batch, or null if every row read was dropped. */
  private Shard build() {
    BufferAllocator allocator = parent.newChildAllocator(name + " batch " + batches, 0, Long.MAX_VALUE);
    List<FieldVector> vectors = new ArrayList<>();
    List<BlockWriter> blocks = new ArrayList<>();
    try {
      List<ColumnWriter> kept = new ArrayList<>();
      int f = 0;
      for (ShardLayout.Block b : layout.blocks()) {
        FieldVector v = schema.getFields().get(f++).createVector(allocator);
        vectors.add(v);
        blocks.add(new BlockWriter(b, v, policy));
      }
      for (ShardLayout.Kept k : layout.kept()) {
        FieldVector v = schema.getFields().get(f++).createVector(allocator);
        vectors.add(v);
        kept.add(ColumnWriter.of(k, v));
      }
      int count = fill(blocks, kept);
      if (count == 0) {
        blocks.forEach(BlockWriter::release);
        vectors.forEach(FieldVector::close);
        allocator.close();
        return null;
      }
      blocks.forEach(b -> b.finish(count));
      kept.forEach(k -> k.finish(count));
      List<Field> fields = vectors.stream().map(FieldVector::getField).toList();
      batches++;
      return Shard.wrap(new VectorSchemaRoot(fields, vectors, count), allocator);
    } catch (RuntimeException e) {
      blocks.forEach(BlockWriter::release);
      vectors.forEach(FieldVector::close);
      allocator.close();
      throw e;
    }
  }

  /** Reads rows into the writers until the batch is full or the partition ends; returns the rows kept. */
  private int fill(List<BlockWriter> blocks, List<ColumnWriter> kept) {
    int capacity = startCapacity;
    reserve(blocks, kept, capacity);
    int count = 0;
    boolean failed = false;
    while (count < maxRows && rows.hasNext()) {
      InternalRow row = rows.next();
      rowsRead++;
      if (count == capacity) {
        capacity = (int) Math.min(2L * capacity, maxRows);
        reserve(blocks, kept, capacity);
      }
      boolean ok = true;
      try {
        for (int b = 0; b < blocks.size(); b++) {
          ok &= blocks.get(b).write(row, count);
        }
      } catch (BlockWriter.UnequalArrays e) {
        throw new OrcaDataException(e.getMessage() + " (row " + rowsRead + " of " + name + "). The arrays of a"
            + " feature or label column must all have one length: pad or cut them first.", e);
      }
      if (!ok && policy.kind() == NullPolicy.Kind.FAIL) {
        failed = true; // from here on only count, to say how many rows are affected
      }
      if (!ok || failed) {
        continue;
      }
      for (int k = 0; k < kept.size(); k++) {
        kept.get(k).write(row, count);
      }
      count++;
    }
    if (failed) {
      throw new OrcaDataException(report(blocks) + ". Clean these values first, or convert with"
          + " ConversionOptions.withNullPolicy(NullPolicy.DROP) to leave such rows out or NullPolicy.fill(value)"
          + " to replace them.");
    }
    if (count == maxRows) {
      startCapacity = maxRows; // a big partition: allocate whole batches from now on
    }
    return count;
  }

  private String report(List<BlockWriter> blocks) {
    StringBuilder b = new StringBuilder();
    for (BlockWriter w : blocks) {
      String r = w.badRowsReport(rowsRead, "of " + name);
      if (!r.isEmpty()) {
        b.append(b.length() == 0 ? "" : "; ").append(r);
      }
    }
    return b.toString();
  }

  private static void reserve(List<BlockWriter> blocks, List<ColumnWriter> kept, int capacity) {
    blocks.forEach(b -> b.reserve(capacity));
    kept.forEach(k -> k.reserve(capacity));
  }
}

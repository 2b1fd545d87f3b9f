package dev.orca.arrow.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.NullPolicy;
import dev.orca.arrow.Shard;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * A stream of shards built from one partition's input, one batch at a time: a batch is built only
 * when the consumer asks for the next shard, so a partition of any size passes through in bounded
 * memory. Each shard gets its own child allocator, named after the partition and the batch.
 * Subclasses read rows ({@link RowBatcher}) or column batches ({@link ColumnarBatcher}); the rules
 * for a row (null policy, counting, unequal arrays) are here, in {@link #add}. A shard built by
 * {@link #hasNext} belongs to the stream until {@link #next} hands it out, so the stream closes it
 * when the task ends if the consumer stopped in between.
 */
abstract class BatchStream implements Iterator<Shard>, AutoCloseable {
  /**
   * The first batch of a partition starts this small and doubles, so small partitions stay small.
   */
  private static final int FIRST_CAPACITY = 1024;

  private final ShardLayout layout;
  private final Schema schema;
  private final BufferAllocator parent;
  final String name;
  final int maxRows;
  final NullPolicy policy;
  private int startCapacity;
  private int batches;
  long rowsRead;

  /** Rows kept in the batch being built. */
  int count;

  /** A null, NaN or infinite value was met under FAIL: from then on rows are only counted. */
  boolean failed;

  private Shard next;
  private boolean done;

  /** Only in a Spark task, whose end closes this stream and so lets go of the last slab. */
  private final Slabs slabs;

  BatchStream(ShardLayout layout, BufferAllocator parent, String name) {
    this.layout = layout;
    this.schema = layout.arrowSchema();
    this.parent = parent;
    this.name = name;
    this.maxRows = layout.rowsPerBatch();
    this.policy = layout.options().nullPolicy();
    this.startCapacity = Math.min(maxRows, FIRST_CAPACITY);
    this.slabs = TaskMemory.allocatorOrNull() != null ? new Slabs(parent) : null;
    ArrowMemory.closeWhenTaskEnds(this);
  }

  /** True while input is left. */
  abstract boolean hasInput();

  /** Adds input to {@code batch} until it holds {@link #maxRows} rows or the input ends. */
  abstract void fill(ShardBuilder batch);

  @Override
  public final boolean hasNext() {
    while (next == null && !done) {
      if (!hasInput()) {
        done = true;
        closeSlabs(); // the shards made keep what they use
      } else {
        next = build();
      }
    }
    return next != null;
  }

  @Override
  public final Shard next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more shards in " + name);
    }
    Shard out = next;
    next = null;
    return out;
  }

  /**
   * Closes the shard built ahead and not handed out, if any, and lets go of the current slab.
   * Idempotent.
   */
  @Override
  public final void close() {
    closeSlabs();
    Shard s = next;
    next = null;
    if (s != null) {
      s.close();
    }
  }

  private void closeSlabs() {
    if (slabs != null) {
      slabs.close();
    }
  }

  /** The next batch, or null if every row read was dropped. */
  private Shard build() {
    ShardBuilder batch =
        new ShardBuilder(
            layout,
            schema,
            parent.newChildAllocator(name + " batch " + batches, 0, Long.MAX_VALUE),
            slabs);
    try {
      count = 0;
      batch.reserve(startCapacity);
      fill(batch);
      if (failed) {
        throw new OrcaDataException(
            report(batch)
                + ". Clean these values first, or convert with"
                + " ConversionOptions.withNullPolicy(NullPolicy.DROP) to leave such rows out or NullPolicy.fill(value)"
                + " to replace them.");
      }
      if (count == 0) {
        batch.abandon();
        return null;
      }
      if (count == maxRows) {
        startCapacity = maxRows; // a big partition: allocate whole batches from now on
      }
      batches++;
      return batch.finish(count);
    } catch (RuntimeException e) {
      batch.abandon();
      throw e;
    }
  }

  /** Makes room for {@code rows} more rows in the batch, doubling its capacity as needed. */
  final void ensureRoom(ShardBuilder batch, int rows) {
    int need = count + rows;
    if (need > batch.capacity()) {
      int capacity = batch.capacity();
      while (capacity < need) {
        capacity = (int) Math.min(2L * capacity, maxRows);
      }
      batch.reserve(capacity);
    }
  }

  /** One row: its blocks, the null policy, then its kept columns. Room must have been made. */
  final void add(ShardBuilder batch, InternalRow row) {
    rowsRead++;
    boolean ok;
    try {
      ok = batch.writeBlocks(row, count, rowsRead);
    } catch (BlockWriter.UnequalArrays e) {
      throw new OrcaDataException(
          e.getMessage()
              + " (row "
              + rowsRead
              + " of "
              + name
              + "). The arrays of a"
              + " feature or label column must all have one length: pad or cut them first.",
          e);
    }
    if (!ok && policy.kind() == NullPolicy.Kind.FAIL) {
      failed = true; // from here on only count, to say how many rows are affected
    }
    if (ok && !failed) {
      batch.writeKept(row, count);
      count++;
    }
  }

  private String report(ShardBuilder batch) {
    StringBuilder b = new StringBuilder();
    for (BlockWriter w : batch.blocks) {
      String r = w.badRowsReport(rowsRead, "of " + name);
      if (!r.isEmpty()) {
        b.append(b.length() == 0 ? "" : "; ").append(r);
      }
    }
    return b.toString();
  }
}

package dev.orca.arrow.internal;

import dev.orca.arrow.Shard;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One batch being built: its allocator, its vectors and their writers (a block writer per block, a
 * column writer per kept column). Ends as a shard ({@link #finish}) or is given back whole ({@link
 * #abandon}).
 */
final class ShardBuilder {
  private final BufferAllocator allocator;
  private final List<FieldVector> vectors = new ArrayList<>();
  final List<BlockWriter> blocks = new ArrayList<>();
  final List<ColumnWriter> kept = new ArrayList<>();
  private int capacity;

  /**
   * @param slabs where large blocks take their memory from, or null to allocate each on its own
   */
  ShardBuilder(ShardLayout layout, Schema schema, BufferAllocator allocator, Slabs slabs) {
    this.allocator = allocator;
    try {
      int f = 0;
      for (ShardLayout.Block b : layout.blocks()) {
        FieldVector v = schema.getFields().get(f++).createVector(allocator);
        vectors.add(v);
        blocks.add(new BlockWriter(b, v, layout.options().nullPolicy(), slabs));
      }
      for (ShardLayout.Kept k : layout.kept()) {
        FieldVector v = schema.getFields().get(f++).createVector(allocator);
        vectors.add(v);
        kept.add(ColumnWriter.of(k, v));
      }
    } catch (RuntimeException e) {
      abandon();
      throw e;
    }
  }

  int capacity() {
    return capacity;
  }

  /** Makes room for {@code rows} rows, keeping those written. */
  void reserve(int rows) {
    for (BlockWriter b : blocks) {
      b.reserve(rows);
    }
    for (ColumnWriter k : kept) {
      k.reserve(rows);
    }
    capacity = rows;
  }

  /**
   * Writes the blocks of a row; false if a null, NaN or infinite value keeps it out (counted by the
   * block writers). {@code rowNumber} counts the rows read from 1, for messages.
   */
  boolean writeBlocks(InternalRow row, int index, long rowNumber) {
    boolean ok = true;
    for (int b = 0; b < blocks.size(); b++) {
      ok &= blocks.get(b).write(row, index, rowNumber);
    }
    return ok;
  }

  void writeKept(InternalRow row, int index) {
    for (int k = 0; k < kept.size(); k++) {
      kept.get(k).write(row, index);
    }
  }

  /** The batch of the first {@code rows} rows, as a shard that owns the allocator. */
  Shard finish(int rows) {
    blocks.forEach(b -> b.finish(rows));
    kept.forEach(k -> k.finish(rows));
    List<Field> fields = vectors.stream().map(FieldVector::getField).toList();
    return Shard.wrap(new VectorSchemaRoot(fields, vectors, rows), allocator);
  }

  /** Gives back everything allocated for the batch. */
  void abandon() {
    blocks.forEach(BlockWriter::release);
    vectors.forEach(FieldVector::close);
    allocator.close();
  }
}

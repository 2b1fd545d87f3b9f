package dev.orca.arrow.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;

/** Copies chosen rows of a batch into a new batch (for random splits and row filters). */
public final class RowCopy {
  private RowCopy() {}

  /** A new batch in {@code allocator} with rows {@code rows} of {@code source}, in that order. */
  public static VectorSchemaRoot select(
      VectorSchemaRoot source, int[] rows, BufferAllocator allocator) {
    for (int r : rows) {
      if (r < 0 || r >= source.getRowCount()) {
        throw new IndexOutOfBoundsException("row " + r + " of a batch of " + source.getRowCount());
      }
    }
    List<FieldVector> out = new ArrayList<>();
    try {
      for (FieldVector from : source.getFieldVectors()) {
        out.add(
            BlockFields.isBlock(from.getField())
                ? copyBlock(from, rows, allocator)
                : copyAny(from, rows, allocator));
      }
    } catch (RuntimeException e) {
      out.forEach(FieldVector::close);
      throw e;
    }
    List<Field> fields = out.stream().map(FieldVector::getField).toList();
    return new VectorSchemaRoot(fields, out, rows.length);
  }

  /** Float blocks: one memory copy per row. */
  private static FieldVector copyBlock(FieldVector from, int[] rows, BufferAllocator allocator) {
    FieldVector to = BlockFields.allocate(from.getField(), allocator, rows.length);
    long dst = BlockFields.data(to).getDataBufferAddress();
    int rowBytes = BlockFields.width(from.getField()) * Float.BYTES;
    Float4Vector src = BlockFields.data(from);
    long srcAddress = src.getDataBufferAddress();
    for (int i = 0; i < rows.length; i++) {
      MemoryUtil.copyMemory(
          srcAddress + (long) rows[i] * rowBytes, dst + (long) i * rowBytes, rowBytes);
    }
    return to;
  }

  private static FieldVector copyAny(FieldVector from, int[] rows, BufferAllocator allocator) {
    FieldVector to = from.getField().createVector(allocator);
    to.setInitialCapacity(Math.max(rows.length, 1));
    to.allocateNew();
    for (int i = 0; i < rows.length; i++) {
      to.copyFromSafe(rows[i], i, from);
    }
    to.setValueCount(rows.length);
    return to;
  }
}

package dev.orca.arrow.internal;

import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Strings and binaries: the bytes are copied from where the row keeps them (for Spark's
 * {@code UnsafeRow}, straight from the row's memory, without a {@code UTF8String} per row).
 */
final class VarWidthWriter extends ColumnWriter {
  private final BaseVariableWidthVector varWidth;
  private long validity;
  private long offsets;
  private long data;
  private long dataCapacity;

  VarWidthWriter(FieldVector vector, int ordinal, boolean nullable) {
    super(vector, ordinal, nullable);
    this.varWidth = (BaseVariableWidthVector) vector;
  }

  @Override
  void started() {
    Platform.putInt(null, vector.getOffsetBufferAddress(), 0);
  }

  @Override
  void refresh() {
    validity = vector.getValidityBufferAddress();
    offsets = vector.getOffsetBufferAddress();
    data = vector.getDataBufferAddress();
    dataCapacity = varWidth.getDataBuffer().capacity();
  }

  @Override
  public void write(InternalRow row, int index) {
    int start = Platform.getInt(null, offsets + 4L * index);
    if (nullable && row.isNullAt(ordinal)) {
      setBit(validity, index, false);
      Platform.putInt(null, offsets + 4L * (index + 1), start);
      return;
    }
    Object base;
    long address;
    int size;
    if (row instanceof UnsafeRow unsafe) {
      long offsetAndSize = unsafe.getLong(ordinal);
      base = unsafe.getBaseObject();
      address = unsafe.getBaseOffset() + (offsetAndSize >>> 32);
      size = (int) offsetAndSize;
    } else if (vector.getMinorType() == org.apache.arrow.vector.types.Types.MinorType.VARCHAR) {
      UTF8String s = row.getUTF8String(ordinal);
      base = s.getBaseObject();
      address = s.getBaseOffset();
      size = s.numBytes();
    } else {
      byte[] b = row.getBinary(ordinal);
      base = b;
      address = Platform.BYTE_ARRAY_OFFSET;
      size = b.length;
    }
    long end = (long) start + size;
    while (end > dataCapacity) {
      varWidth.reallocDataBuffer();
      refresh();
    }
    Platform.copyMemory(base, address, null, data + start, size);
    setBit(validity, index, true);
    Platform.putInt(null, offsets + 4L * (index + 1), (int) end);
  }

  @Override
  public void finish(int rows) {
    // every offset is written, nulls included, so Arrow must not "fill holes" over them
    varWidth.setLastSet(rows - 1);
    super.finish(rows);
  }
}

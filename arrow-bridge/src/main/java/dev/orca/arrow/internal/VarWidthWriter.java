package dev.orca.arrow.internal;

import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.Types;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Strings and binaries: the bytes are copied from where the row keeps them (for Spark's {@code
 * UnsafeRow}, straight from the row's memory, without a {@code UTF8String} per row).
 */
final class VarWidthWriter extends OffsetWriter {
  private final BaseVariableWidthVector varWidth;
  private final boolean utf8;
  private long data;
  private long dataCapacity;

  VarWidthWriter(FieldVector vector, int ordinal, boolean nullable) {
    super(vector, ordinal, nullable);
    this.varWidth = (BaseVariableWidthVector) vector;
    this.utf8 = vector.getMinorType() == Types.MinorType.VARCHAR;
  }

  @Override
  void refreshData() {
    data = vector.getDataBufferAddress();
    dataCapacity = varWidth.getDataBuffer().capacity();
  }

  @Override
  int writeValue(InternalRow row, int start) {
    Object base;
    long address;
    int size;
    if (row instanceof UnsafeRow unsafe) {
      long offsetAndSize = unsafe.getLong(ordinal);
      base = unsafe.getBaseObject();
      address = unsafe.getBaseOffset() + (offsetAndSize >>> 32);
      size = (int) offsetAndSize;
    } else if (utf8) {
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
      refreshData();
    }
    Platform.copyMemory(base, address, null, data + start, size);
    return (int) end;
  }

  @Override
  void setLastSet(int index) {
    varWidth.setLastSet(index);
  }
}

package dev.orca.arrow.internal;

import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/** Kept arrays of numbers, of any length, as an Arrow list. */
final class ListWriter extends OffsetWriter {
  private final ListVector list;
  private final FieldVector child;
  private final ValueKind kind;
  private final boolean containsNull;
  private final UnsafeArrayData view = new UnsafeArrayData(); // re-pointed at each row's array
  private long childValidity;
  private long childData;

  ListWriter(ListVector list, ShardLayout.Kept kept) {
    super(list, kept.ordinal(), kept.nullable());
    this.list = list;
    this.child = (FieldVector) list.getDataVector();
    this.kind = kept.kind();
    this.containsNull = kept.containsNull();
  }

  @Override
  void refreshData() {
    childValidity = child.getValidityBufferAddress();
    childData = child.getDataBufferAddress();
  }

  @Override
  int writeValue(InternalRow row, int start) {
    ArrayData array = array(row);
    int n = array.numElements();
    if (child.getValueCapacity() < start + n) {
      while (child.getValueCapacity() < start + n) {
        child.reAlloc();
      }
      refreshData();
    }
    for (int j = 0; j < n; j++) {
      boolean isNull = containsNull && array.isNullAt(j);
      setBit(childValidity, start + j, !isNull);
      if (!isNull) {
        putValue(kind, array, j, childData, start + j);
      }
    }
    return start + n;
  }

  private ArrayData array(InternalRow row) {
    if (row instanceof UnsafeRow unsafe) {
      long offsetAndSize = unsafe.getLong(ordinal);
      view.pointTo(
          unsafe.getBaseObject(),
          unsafe.getBaseOffset() + (offsetAndSize >>> 32),
          (int) offsetAndSize);
      return view;
    }
    return row.getArray(ordinal);
  }

  @Override
  void setLastSet(int index) {
    list.setLastSet(index);
  }
}

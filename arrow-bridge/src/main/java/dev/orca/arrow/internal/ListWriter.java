package dev.orca.arrow.internal;

import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.Platform;

/** Kept arrays of numbers, of any length, as an Arrow list. */
final class ListWriter extends ColumnWriter {
  private final ListVector list;
  private final FieldVector child;
  private final ValueKind kind;
  private final boolean containsNull;
  private final UnsafeArrayData view = new UnsafeArrayData(); // re-pointed at each row's array
  private long validity;
  private long offsets;
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
  void started() {
    Platform.putInt(null, list.getOffsetBufferAddress(), 0);
  }

  @Override
  void refresh() {
    validity = list.getValidityBufferAddress();
    offsets = list.getOffsetBufferAddress();
    childValidity = child.getValidityBufferAddress();
    childData = child.getDataBufferAddress();
  }

  @Override
  public void write(InternalRow row, int index) {
    int start = Platform.getInt(null, offsets + 4L * index);
    if (nullable && row.isNullAt(ordinal)) {
      setBit(validity, index, false);
      Platform.putInt(null, offsets + 4L * (index + 1), start);
      return;
    }
    ArrayData array = array(row);
    int n = array.numElements();
    if (child.getValueCapacity() < start + n) {
      while (child.getValueCapacity() < start + n) {
        child.reAlloc();
      }
      refresh();
    }
    for (int j = 0; j < n; j++) {
      if (containsNull && array.isNullAt(j)) {
        setBit(childValidity, start + j, false);
      } else {
        setBit(childValidity, start + j, true);
        putValue(kind, array, j, childData, start + j);
      }
    }
    setBit(validity, index, true);
    Platform.putInt(null, offsets + 4L * (index + 1), start + n);
  }

  private ArrayData array(InternalRow row) {
    if (row instanceof UnsafeRow unsafe) {
      long offsetAndSize = unsafe.getLong(ordinal);
      view.pointTo(unsafe.getBaseObject(), unsafe.getBaseOffset() + (offsetAndSize >>> 32), (int) offsetAndSize);
      return view;
    }
    return row.getArray(ordinal);
  }

  @Override
  public void finish(int rows) {
    list.setLastSet(rows - 1);
    super.finish(rows);
  }
}

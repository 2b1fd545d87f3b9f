package dev.orca.arrow.internal;

import org.apache.arrow.vector.FieldVector;
import org.apache.spark.sql.catalyst.InternalRow;

/** Numbers, booleans, dates and timestamps. */
final class FixedWidthWriter extends ColumnWriter {
  private final ValueKind kind;
  private long validity;
  private long data;

  FixedWidthWriter(FieldVector vector, int ordinal, boolean nullable, ValueKind kind) {
    super(vector, ordinal, nullable);
    this.kind = kind;
  }

  @Override
  void refresh() {
    validity = vector.getValidityBufferAddress();
    data = vector.getDataBufferAddress();
  }

  @Override
  public void write(InternalRow row, int index) {
    if (nullable && row.isNullAt(ordinal)) {
      setBit(validity, index, false);
    } else {
      setBit(validity, index, true);
      putValue(kind, row, ordinal, data, index);
    }
  }
}

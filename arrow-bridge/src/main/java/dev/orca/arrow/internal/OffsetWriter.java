package dev.orca.arrow.internal;

import org.apache.arrow.vector.FieldVector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.unsafe.Platform;

/**
 * Writers of vectors whose values are slices of a data buffer (strings, binaries, lists): value
 * {@code i} spans {@code offsets[i]} to {@code offsets[i + 1]}. Every offset is written, nulls
 * included (an empty slice), so Arrow need not "fill holes" when the row count is set.
 */
abstract class OffsetWriter extends ColumnWriter {
  private long validity;
  private long offsets;

  OffsetWriter(FieldVector vector, int ordinal, boolean nullable) {
    super(vector, ordinal, nullable);
  }

  @Override
  final void started() {
    Platform.putInt(null, vector.getOffsetBufferAddress(), 0);
  }

  @Override
  final void refresh() {
    validity = vector.getValidityBufferAddress();
    offsets = vector.getOffsetBufferAddress();
    refreshData();
  }

  @Override
  public final void write(InternalRow row, int index) {
    int start = Platform.getInt(null, offsets + 4L * index);
    boolean isNull = nullable && row.isNullAt(ordinal);
    int end = isNull ? start : writeValue(row, start);
    setBit(validity, index, !isNull);
    Platform.putInt(null, offsets + 4L * (index + 1), end);
  }

  @Override
  public final void finish(int rows) {
    setLastSet(rows - 1);
    super.finish(rows);
  }

  /** Reads the data buffer's address again. */
  abstract void refreshData();

  /** Writes the value of {@code row} from data position {@code start}; returns where it ends. */
  abstract int writeValue(InternalRow row, int start);

  /** Tells the vector the last value set, so it keeps the offsets as written. */
  abstract void setLastSet(int index);
}

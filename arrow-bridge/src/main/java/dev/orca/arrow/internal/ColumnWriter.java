package dev.orca.arrow.internal;

import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.unsafe.Platform;

/**
 * Writes one kept column of Spark's internal rows into an Arrow vector, straight into the vector's
 * memory: no object per row. {@link #reserve} must have made room for the row before {@link
 * #write}; addresses are refreshed whenever the vector grows.
 */
public abstract class ColumnWriter {
  protected final FieldVector vector;
  protected final int ordinal;
  protected final boolean nullable;
  private boolean allocated;

  ColumnWriter(FieldVector vector, int ordinal, boolean nullable) {
    this.vector = vector;
    this.ordinal = ordinal;
    this.nullable = nullable;
  }

  /** The writer of a kept column. */
  public static ColumnWriter of(ShardLayout.Kept kept, FieldVector vector) {
    if (kept.array()) {
      return new ListWriter((ListVector) vector, kept);
    }
    return kept.kind().isVariableWidth()
        ? new VarWidthWriter(vector, kept.ordinal(), kept.nullable())
        : new FixedWidthWriter(vector, kept.ordinal(), kept.nullable(), kept.kind());
  }

  /** Makes room for {@code rows} rows, keeping what is written. */
  public final void reserve(int rows) {
    if (!allocated) {
      vector.setInitialCapacity(rows);
      vector.allocateNew();
      allocated = true;
      started();
    }
    while (vector.getValueCapacity() < rows) {
      vector.reAlloc();
    }
    refresh();
  }

  /** Writes the column of {@code row} as value {@code index}. */
  public abstract void write(InternalRow row, int index);

  /** Sets the number of values written. */
  public void finish(int rows) {
    vector.setValueCount(rows);
  }

  /** Called once after the first allocation. */
  void started() {}

  /** Reads the buffer addresses again after the vector may have moved. */
  abstract void refresh();

  static void setBit(long address, int index, boolean value) {
    long at = address + (index >>> 3);
    byte b = Platform.getByte(null, at);
    int mask = 1 << (index & 7);
    Platform.putByte(null, at, (byte) (value ? b | mask : b & ~mask));
  }

  /**
   * Writes value {@code i} of {@code src}, of kind {@code kind}, as value {@code index} of a data
   * buffer.
   */
  static void putValue(ValueKind kind, SpecializedGetters src, int i, long data, int index) {
    switch (kind) {
      case BOOLEAN -> setBit(data, index, src.getBoolean(i));
      case BYTE -> Platform.putByte(null, data + index, src.getByte(i));
      case SHORT -> Platform.putShort(null, data + 2L * index, src.getShort(i));
      case INT, DATE -> Platform.putInt(null, data + 4L * index, src.getInt(i));
      case LONG, TIMESTAMP, TIMESTAMP_NTZ ->
          Platform.putLong(null, data + 8L * index, src.getLong(i));
      case FLOAT -> Platform.putFloat(null, data + 4L * index, src.getFloat(i));
      case DOUBLE -> Platform.putDouble(null, data + 8L * index, src.getDouble(i));
      default -> throw new IllegalArgumentException(kind + " is not a fixed-width kind");
    }
  }
}

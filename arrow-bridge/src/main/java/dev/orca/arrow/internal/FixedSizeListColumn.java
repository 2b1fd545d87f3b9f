package dev.orca.arrow.internal;

import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Spark's view of an Arrow fixed-size list (a float block), which Spark's own {@link
 * ArrowColumnVector} does not cover: row {@code i} is the slice {@code i * width} to {@code (i + 1)
 * * width} of the child values. Closing it does not close the Arrow vector, which belongs to its
 * shard.
 */
final class FixedSizeListColumn extends ColumnVector {
  private final FixedSizeListVector vector;
  private final ArrowColumnVector values;
  private final int width;

  FixedSizeListColumn(FixedSizeListVector vector, ArrayType type) {
    super(type);
    this.vector = vector;
    this.values = new ArrowColumnVector(vector.getDataVector());
    this.width = vector.getListSize();
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    return new ColumnarArray(values, rowId * width, width);
  }

  @Override
  public boolean isNullAt(int rowId) {
    return vector.isNull(rowId);
  }

  @Override
  public boolean hasNull() {
    return vector.getNullCount() > 0;
  }

  @Override
  public int numNulls() {
    return vector.getNullCount();
  }

  @Override
  public void close() {
    // the vector is the shard's
  }

  @Override
  public boolean getBoolean(int rowId) {
    throw notScalar();
  }

  @Override
  public byte getByte(int rowId) {
    throw notScalar();
  }

  @Override
  public short getShort(int rowId) {
    throw notScalar();
  }

  @Override
  public int getInt(int rowId) {
    throw notScalar();
  }

  @Override
  public long getLong(int rowId) {
    throw notScalar();
  }

  @Override
  public float getFloat(int rowId) {
    throw notScalar();
  }

  @Override
  public double getDouble(int rowId) {
    throw notScalar();
  }

  @Override
  public ColumnarMap getMap(int ordinal) {
    throw notScalar();
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    throw notScalar();
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    throw notScalar();
  }

  @Override
  public byte[] getBinary(int rowId) {
    throw notScalar();
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    throw notScalar();
  }

  private UnsupportedOperationException notScalar() {
    return new UnsupportedOperationException(
        "column '" + vector.getName() + "' is an array of floats");
  }
}

package dev.orca.arrow.internal;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * One column of a batch of Spark's in-memory cache read where it lies: the cache keeps a column
 * with no null that did not compress as its values one after the other, in native byte order, after
 * an 8-byte header (null count 0, then the id of the pass-through scheme). Reading them here saves
 * Spark's decoding of the batch into new arrays. Numbers only; anything else is decoded by Spark.
 */
final class CachedColumn extends ColumnVector {
  /** Null count and compression scheme id, before the values. */
  static final int HEADER = 8;

  private final byte[] bytes;

  private CachedColumn(DataType type, byte[] bytes) {
    super(type);
    this.bytes = bytes;
  }

  /**
   * The column in {@code bytes}, if Spark kept it as plain values of {@code type} with no null;
   * null otherwise (nulls, a compressed column, or a type read otherwise). The size check guards
   * against a layout of the cache other than the one read here.
   */
  static CachedColumn of(DataType type, byte[] bytes, int rows, int passThroughId) {
    int size = valueSize(type);
    if (size == 0 || bytes.length != HEADER + (long) rows * size) {
      return null;
    }
    int nulls = Platform.getInt(bytes, Platform.BYTE_ARRAY_OFFSET);
    int scheme = Platform.getInt(bytes, Platform.BYTE_ARRAY_OFFSET + 4);
    return nulls == 0 && scheme == passThroughId ? new CachedColumn(type, bytes) : null;
  }

  /** Bytes per value of the types read here; 0 for the others. */
  static int valueSize(DataType type) {
    if (type.equals(DataTypes.FloatType) || type.equals(DataTypes.IntegerType)) {
      return 4;
    }
    if (type.equals(DataTypes.DoubleType) || type.equals(DataTypes.LongType)) {
      return 8;
    }
    if (type.equals(DataTypes.ShortType)) {
      return 2;
    }
    return type.equals(DataTypes.ByteType) ? 1 : 0;
  }

  /** The array holding the values, for copy loops that read it directly. */
  byte[] bytes() {
    return bytes;
  }

  /** Where value {@code row} of {@code size} bytes lies in {@link #bytes()}, for Platform reads. */
  static long offset(int row, int size) {
    return Platform.BYTE_ARRAY_OFFSET + HEADER + (long) row * size;
  }

  @Override
  public void close() {}

  @Override
  public boolean hasNull() {
    return false;
  }

  @Override
  public int numNulls() {
    return 0;
  }

  @Override
  public boolean isNullAt(int rowId) {
    return false;
  }

  @Override
  public boolean getBoolean(int rowId) {
    throw notHere("boolean");
  }

  @Override
  public byte getByte(int rowId) {
    return Platform.getByte(bytes, offset(rowId, 1));
  }

  @Override
  public short getShort(int rowId) {
    return Platform.getShort(bytes, offset(rowId, 2));
  }

  @Override
  public int getInt(int rowId) {
    return Platform.getInt(bytes, offset(rowId, 4));
  }

  @Override
  public long getLong(int rowId) {
    return Platform.getLong(bytes, offset(rowId, 8));
  }

  @Override
  public float getFloat(int rowId) {
    return Platform.getFloat(bytes, offset(rowId, 4));
  }

  @Override
  public double getDouble(int rowId) {
    return Platform.getDouble(bytes, offset(rowId, 8));
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    throw notHere("array");
  }

  @Override
  public ColumnarMap getMap(int ordinal) {
    throw notHere("map");
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    throw notHere("decimal");
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    throw notHere("string");
  }

  @Override
  public byte[] getBinary(int rowId) {
    throw notHere("binary");
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    throw notHere("struct");
  }

  private IllegalStateException notHere(String what) {
    return new IllegalStateException("a cached " + dataType() + " column read as " + what);
  }
}

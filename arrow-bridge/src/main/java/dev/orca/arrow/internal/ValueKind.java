package dev.orca.arrow.internal;

import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * The scalar value types Orca moves between Spark and Arrow, with each one's type on both sides.
 * Spark's internal values are kept as they are: dates as days, timestamps as microseconds since the
 * epoch (UTC), strings as UTF-8.
 */
public enum ValueKind {
  BOOLEAN(0, new ArrowType.Bool(), DataTypes.BooleanType),
  BYTE(1, new ArrowType.Int(8, true), DataTypes.ByteType),
  SHORT(2, new ArrowType.Int(16, true), DataTypes.ShortType),
  INT(4, new ArrowType.Int(32, true), DataTypes.IntegerType),
  LONG(8, new ArrowType.Int(64, true), DataTypes.LongType),
  FLOAT(4, new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE), DataTypes.FloatType),
  DOUBLE(8, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), DataTypes.DoubleType),
  STRING(-1, new ArrowType.Utf8(), DataTypes.StringType),
  BINARY(-1, new ArrowType.Binary(), DataTypes.BinaryType),
  DATE(4, new ArrowType.Date(DateUnit.DAY), DataTypes.DateType),
  TIMESTAMP(8, new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"), DataTypes.TimestampType),
  TIMESTAMP_NTZ(8, new ArrowType.Timestamp(TimeUnit.MICROSECOND, null), DataTypes.TimestampNTZType);

  /** The Spark types that may be features, labels or elements of a feature array. */
  public static final String NUMERIC_TYPES = "boolean, byte, short, int, long, float, double";

  /** Everything a kept column may be. */
  public static final String CARRIED_TYPES =
      NUMERIC_TYPES + ", string, binary, date, timestamp, timestamp_ntz" + " and arrays of numbers";

  private final int byteWidth;
  private final ArrowType arrowType;
  private final DataType sparkType;

  ValueKind(int byteWidth, ArrowType arrowType, DataType sparkType) {
    this.byteWidth = byteWidth;
    this.arrowType = arrowType;
    this.sparkType = sparkType;
  }

  /** Bytes per value in Arrow; 0 for bits, -1 for variable width. */
  public int byteWidth() {
    return byteWidth;
  }

  public ArrowType arrowType() {
    return arrowType;
  }

  public DataType sparkType() {
    return sparkType;
  }

  public boolean isNumeric() {
    return ordinal() <= DOUBLE.ordinal();
  }

  public boolean isVariableWidth() {
    return byteWidth < 0;
  }

  /** The kind of a Spark type, or null if Orca does not convert it. */
  public static ValueKind of(DataType type) {
    if (type instanceof BooleanType) {
      return BOOLEAN;
    } else if (type instanceof ByteType) {
      return BYTE;
    } else if (type instanceof ShortType) {
      return SHORT;
    } else if (type instanceof IntegerType) {
      return INT;
    } else if (type instanceof LongType) {
      return LONG;
    } else if (type instanceof FloatType) {
      return FLOAT;
    } else if (type instanceof DoubleType) {
      return DOUBLE;
    } else if (type instanceof StringType) {
      return STRING;
    } else if (type instanceof BinaryType) {
      return BINARY;
    } else if (type instanceof DateType) {
      return DATE;
    } else if (type instanceof TimestampType) {
      return TIMESTAMP;
    } else if (type instanceof TimestampNTZType) {
      return TIMESTAMP_NTZ;
    }
    return null;
  }

  /** The kind of an Arrow type, or null if Orca does not convert it. */
  public static ValueKind of(ArrowType type) {
    for (ValueKind k : values()) {
      if (k.arrowType.equals(type)) {
        return k;
      }
    }
    // a timestamp with a zone other than UTC holds UTC microseconds all the same
    if (type instanceof ArrowType.Timestamp ts && ts.getUnit() == TimeUnit.MICROSECOND) {
      return ts.getTimezone() == null ? TIMESTAMP_NTZ : TIMESTAMP;
    }
    return null;
  }
}

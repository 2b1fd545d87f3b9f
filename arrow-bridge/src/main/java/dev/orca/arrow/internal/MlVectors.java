package dev.orca.arrow.internal;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Spark ML vectors ({@code org.apache.spark.ml.linalg.VectorUDT}, and the older {@code mllib} one)
 * as the conversion sees them: a user-defined type stored as the struct {@code (type: byte, size:
 * int, indices: array<int>, values: array<double>)}, type 1 dense (only {@code values}), type 0
 * sparse ({@code size}, then the {@code indices} of the {@code values} given). Recognised by that
 * struct, so arrow-bridge needs no spark-mllib.
 */
public final class MlVectors {
  /** The fields of a vector's struct, by ordinal. */
  static final int TYPE = 0;

  static final int SIZE = 1;
  static final int INDICES = 2;
  static final int VALUES = 3;
  static final int FIELDS = 4;
  static final byte SPARSE = 0;

  private static final StructType STORED =
      new StructType()
          .add("type", DataTypes.ByteType)
          .add("size", DataTypes.IntegerType)
          .add("indices", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("values", DataTypes.createArrayType(DataTypes.DoubleType));

  private MlVectors() {}

  /** Whether {@code type} is an ML vector. */
  public static boolean isVector(DataType type) {
    if (!(type instanceof UserDefinedType<?> udt) || !(udt.sqlType() instanceof StructType s)) {
      return false;
    }
    if (s.fields().length != FIELDS) {
      return false;
    }
    for (int i = 0; i < FIELDS; i++) {
      StructField actual = s.fields()[i];
      StructField expected = STORED.fields()[i];
      if (!actual.name().equals(expected.name()) || !sameType(actual, expected)) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameType(StructField actual, StructField expected) {
    if (expected.dataType() instanceof ArrayType e) {
      return actual.dataType() instanceof ArrayType a && a.elementType().equals(e.elementType());
    }
    return actual.dataType().equals(expected.dataType());
  }

  /**
   * The size of a vector as a {@code Row} holds it (the user's object), through its type's own
   * serializer.
   */
  @SuppressWarnings("unchecked")
  public static int size(DataType type, Object vector) {
    InternalRow stored = (InternalRow) ((UserDefinedType<Object>) type).serialize(vector);
    return size(stored);
  }

  /** The size of a vector in its stored form. */
  static int size(InternalRow stored) {
    return stored.getByte(TYPE) == SPARSE
        ? stored.getInt(SIZE)
        : stored.getArray(VALUES).numElements();
  }
}

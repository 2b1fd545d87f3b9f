package dev.orca.ml.internal;

import java.util.Arrays;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * The columns the models add, typed and described as Spark ML's own models add them: vectors carry
 * their size, a classifier's prediction its number of classes, so later stages and evaluators read
 * them as they read Spark's.
 */
public final class OutputColumns {
  @SuppressWarnings("unchecked")
  private static final UserDefinedType<Vector> VECTOR =
      (UserDefinedType<Vector>) SQLDataTypes.VectorType();

  private OutputColumns() {}

  /** The columns of {@code out} that {@code in} does not have: those a stage adds. */
  public static StructType added(StructType in, StructType out) {
    return new StructType(
        Arrays.copyOfRange(out.fields(), in.fields().length, out.fields().length));
  }

  /** A dense vector of {@code values} as Spark stores it in a row (its type's own serializer). */
  public static Object vector(double[] values) {
    return VECTOR.serialize(Vectors.dense(values));
  }

  /** {@code values[offset .. offset + width)} widened to doubles. */
  public static double[] doubles(float[] values, int offset, int width) {
    double[] d = new double[width];
    for (int i = 0; i < width; i++) {
      d[i] = values[offset + i];
    }
    return d;
  }

  /**
   * {@code schema} with a vector column of {@code size} values (unknown if below 1), unless {@code
   * column} (the value of the param {@code param}) is empty.
   */
  public static StructType withVector(StructType schema, String param, String column, int size) {
    if (column.isEmpty()) {
      return schema;
    }
    StageColumns.checkFree(schema, column, param);
    Metadata m = size > 0 ? new AttributeGroup(column, size).toMetadata() : Metadata.empty();
    return schema.add(new StructField(column, SQLDataTypes.VectorType(), false, m));
  }

  /**
   * {@code schema} with a double column, a class index of {@code classes} classes if above 0,
   * unless {@code column} (the value of the param {@code param}) is empty.
   */
  public static StructType withDouble(StructType schema, String param, String column, int classes) {
    if (column.isEmpty()) {
      return schema;
    }
    StageColumns.checkFree(schema, column, param);
    Metadata m =
        classes > 0
            ? NominalAttribute.defaultAttr().withName(column).withNumValues(classes).toMetadata()
            : Metadata.empty();
    return schema.add(new StructField(column, DataTypes.DoubleType, false, m));
  }
}

package dev.orca.ml.internal;

import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns the models add, typed and described as Spark ML's own models add them: vectors carry
 * their size, a classifier's prediction its number of classes, so later stages and evaluators read
 * them as they read Spark's.
 */
public final class OutputColumns {
  private OutputColumns() {}

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

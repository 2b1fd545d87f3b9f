package dev.orca.arrow.internal;

import dev.orca.OrcaDataException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;

/**
 * Arrow columns as Spark sees them: the Spark schema of an Arrow schema, and column views of a
 * batch.
 */
public final class SparkColumns {
  private SparkColumns() {}

  /** The Spark schema rows read from batches of {@code schema} have. */
  public static StructType sparkSchema(Schema schema) {
    List<StructField> fields = new ArrayList<>();
    for (Field f : schema.getFields()) {
      fields.add(DataTypes.createStructField(f.getName(), sparkType(f), f.isNullable()));
    }
    return DataTypes.createStructType(fields);
  }

  private static DataType sparkType(Field f) {
    ArrowType type = f.getType();
    if (type instanceof ArrowType.FixedSizeList || type instanceof ArrowType.List) {
      Field element = f.getChildren().get(0);
      ValueKind kind = ValueKind.of(element.getType());
      if (kind != null && kind.isNumeric()) {
        return DataTypes.createArrayType(kind.sparkType(), element.isNullable());
      }
    } else {
      ValueKind kind = ValueKind.of(type);
      if (kind != null) {
        return kind.sparkType();
      }
    }
    throw new OrcaDataException(
        "column '"
            + f.getName()
            + "' has Arrow type "
            + type
            + (f.getChildren().isEmpty() ? "" : " of " + f.getChildren())
            + ", which Orca does not turn into a Spark column; supported: "
            + ValueKind.CARRIED_TYPES
            + ", and fixed-size lists of numbers");
  }

  /** Spark column views of the vectors of {@code root}, valid while the vectors are. */
  public static ColumnVector[] columns(VectorSchemaRoot root, StructType schema) {
    List<FieldVector> vectors = root.getFieldVectors();
    ColumnVector[] out = new ColumnVector[vectors.size()];
    for (int i = 0; i < out.length; i++) {
      FieldVector v = vectors.get(i);
      out[i] =
          v instanceof FixedSizeListVector list
              ? new FixedSizeListColumn(list, (ArrayType) schema.fields()[i].dataType())
              : new ArrowColumnVector(v);
    }
    return out;
  }
}

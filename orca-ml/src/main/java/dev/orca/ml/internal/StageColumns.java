package dev.orca.ml.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.ShardConverter;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns a stage reads and writes, checked against a schema before any work, with the
 * conversion's own messages (a missing column names the columns there are; a wrong type says what
 * the column may be).
 */
public final class StageColumns {
  private StageColumns() {}

  /** The feature columns: {@code featuresCols} if given, otherwise {@code featuresCol}. */
  public static List<String> features(
      Params stage, Param<String> featuresCol, StringArrayParam featuresCols) {
    String[] several = (String[]) stage.getOrDefault(featuresCols);
    if (several.length == 0) {
      return List.of(stage.getOrDefault(featuresCol));
    }
    if (stage.isSet(featuresCol)) {
      throw new OrcaDataException(
          "both featuresCol ('"
              + stage.getOrDefault(featuresCol)
              + "') and featuresCols ("
              + Arrays.toString(several)
              + ") are set on "
              + stage.uid()
              + "; set one of them");
    }
    return List.of(several);
  }

  /**
   * Checks feature and label columns as the conversion will read them: present, numbers, arrays of
   * numbers or ML vectors, each named once. Reads no data.
   */
  public static void check(StructType schema, List<String> features, List<String> labels) {
    ConversionOptions options = ConversionOptions.defaults();
    for (StructField f : schema.fields()) {
      if (f.dataType() instanceof ArrayType || f.dataType() instanceof VectorUDT) {
        options = options.withArrayWidth(f.name(), 1); // the width does not matter for the check
      }
    }
    ShardConverter.of(schema, features, labels, options);
  }

  /**
   * Checks that {@code column} holds one number per row: the label of a classifier or regressor.
   */
  public static void checkScalarLabel(StructType schema, String column, String stage) {
    if (!List.of(schema.fieldNames()).contains(column)) {
      throw new OrcaDataException(
          "label column '"
              + column
              + "' is not in the data; its columns are "
              + Arrays.toString(schema.fieldNames()));
    }
    DataType type = schema.apply(column).dataType();
    if (!(type instanceof NumericType) && !type.simpleString().equals("boolean")) {
      throw new OrcaDataException(
          "label column '"
              + column
              + "' has type "
              + type.simpleString()
              + "; "
              + stage
              + " needs one number per row (a class index 0..k-1 as StringIndexer makes it, or a"
              + " target value)");
    }
  }

  /** Fails if {@code schema} has a column {@code column} (in any case), which a stage would add. */
  public static void checkFree(StructType schema, String column, String param) {
    for (String c : schema.fieldNames()) {
      if (c.equalsIgnoreCase(column)) {
        throw new OrcaDataException(
            "the data already has a column '"
                + c
                + "', and the model adds a column '"
                + column
                + "' ("
                + param
                + "); set "
                + param
                + " to another name, or drop or rename the column first");
      }
    }
  }
}

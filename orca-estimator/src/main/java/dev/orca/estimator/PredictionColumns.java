package dev.orca.estimator;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The columns {@link Estimator#predict(org.apache.spark.sql.Dataset, java.util.List,
 * PredictionColumns)} appends to each row, made from the model's outputs for that row in the Spark
 * task that scored it: e.g. Spark ML's rawPrediction, probability and prediction, written in the
 * same pass instead of by later UDFs. Shipped to the tasks, so serializable.
 */
public interface PredictionColumns extends Serializable {
  /** The appended columns, their names and Spark types. */
  StructType schema();

  /**
   * The appended values of one row, as a Spark internal row of {@link #schema()}; the row's model
   * outputs are {@code outputs[offset]} to {@code outputs[offset + width - 1]}.
   */
  InternalRow row(float[] outputs, int offset, int width);

  /**
   * The model's outputs in one column {@code column}: a {@code float} when the model gives one
   * value per row ({@code width} 1), else an {@code array<float>} of the {@code width} values.
   */
  static PredictionColumns outputs(String column, int width) {
    Objects.requireNonNull(column, "column");
    StructType schema =
        new StructType()
            .add(
                column,
                width == 1
                    ? DataTypes.FloatType
                    : DataTypes.createArrayType(DataTypes.FloatType, false),
                false);
    return new PredictionColumns() {
      private static final long serialVersionUID = 1L;

      @Override
      public StructType schema() {
        return schema;
      }

      @Override
      public InternalRow row(float[] outputs, int offset, int w) {
        Object v =
            w == 1
                ? (Object) outputs[offset]
                : UnsafeArrayData.fromPrimitiveArray(
                    Arrays.copyOfRange(outputs, offset, offset + w));
        return new GenericInternalRow(new Object[] {v});
      }
    };
  }
}

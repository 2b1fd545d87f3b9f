package dev.orca.arrow.internal;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The one place Orca calls Spark below its public API: a DataFrame made from internal rows, as
 * Spark's own Arrow and Python paths do. (The method is package-private in Scala, which the JVM
 * sees as public.) It saves building a {@code Row} per row and converting it back.
 */
public final class SparkInternals {
  private SparkInternals() {}

  public static Dataset<Row> createDataFrame(
      SparkSession spark, RDD<InternalRow> rows, StructType schema) {
    if (!(spark instanceof org.apache.spark.sql.classic.SparkSession classic)) {
      throw new UnsupportedOperationException(
          "making a DataFrame from shards needs a classic SparkSession in this"
              + " JVM, not "
              + spark.getClass().getName()
              + " (Spark Connect)");
    }
    return classic.internalCreateDataFrame(rows, schema, false);
  }
}

package dev.orca.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.row_number;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Splits a DataFrame into parts of given fractions within each class, so that every part has the
 * classes in the same proportions (as scikit-learn's stratified split); the same seed gives the
 * same parts.
 */
public final class StratifiedSplit {
  private StratifiedSplit() {}

  /**
   * The parts, in the order of {@code fractions} (which should sum to 1; the last takes the rest).
   */
  public static List<Dataset<Row>> split(
      Dataset<Row> df, String labelColumn, double[] fractions, long seed) {
    String[] columns = df.columns();
    Dataset<Row> ranked =
        df.withColumn("_r", rand(seed))
            .withColumn("_rank", row_number().over(Window.partitionBy(labelColumn).orderBy("_r")))
            .withColumn("_n", count(lit(1)).over(Window.partitionBy(labelColumn)))
            .withColumn("_q", col("_rank").minus(1).divide(col("_n")));
    List<Dataset<Row>> parts = new ArrayList<>();
    double from = 0;
    for (int i = 0; i < fractions.length; i++) {
      double to = i == fractions.length - 1 ? 1.0 : from + fractions[i];
      Column inPart = col("_q").geq(from).and(col("_q").lt(to));
      parts.add(ranked.where(inPart).select(columnsOf(columns)));
      from = to;
    }
    return parts;
  }

  private static Column[] columnsOf(String[] names) {
    Column[] c = new Column[names.length];
    for (int i = 0; i < names.length; i++) {
      c[i] = col(names[i]);
    }
    return c;
  }
}

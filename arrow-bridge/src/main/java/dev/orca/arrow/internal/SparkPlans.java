package dev.orca.arrow.internal;

import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Where a DataFrame's data comes from, read the cheapest way: when the physical plan ends in a scan
 * that produces column batches (a cached DataFrame, Parquet or ORC files), the batches as they are,
 * which skips Spark's conversion of every batch into rows (and, for the cache, Spark's decoding of
 * its batches where the columns allow); otherwise Spark's internal rows, as the plan makes them.
 */
public final class SparkPlans {
  private SparkPlans() {}

  /** The internal rows of {@code df}, one partition per partition of its plan. */
  public static JavaRDD<InternalRow> rows(Dataset<Row> df) {
    return fresh(df).queryExecution().toRdd().toJavaRDD();
  }

  /**
   * The column batches of {@code df}, if its plan ends in a columnar scan whose output is the
   * DataFrame's columns as they are, or in a scan of Spark's cache.
   */
  public static Optional<JavaRDD<ColumnarBatch>> batches(Dataset<Row> df) {
    int[] all = new int[df.schema().size()];
    Arrays.setAll(all, i -> i);
    return batches(df, all);
  }

  /**
   * {@link #batches(Dataset)} for a reader of the columns {@code read} only (ordinals of {@code
   * df}'s schema): from Spark's cache, only those columns are filled in, read where the cache keeps
   * them when it can ({@link SparkCache}).
   */
  public static Optional<JavaRDD<ColumnarBatch>> batches(Dataset<Row> df, int[] read) {
    SparkPlan plan = fresh(df).queryExecution().executedPlan();
    if (plan instanceof WholeStageCodegenExec codegen) {
      plan = codegen.child();
    }
    if (plan instanceof ColumnarToRowExec toRows) {
      plan = toRows.child();
    }
    if (!plan.schema().equals(df.schema())) {
      return Optional.empty();
    }
    Optional<JavaRDD<ColumnarBatch>> cached = SparkCache.batches(plan, df.schema(), read);
    if (cached.isPresent() || !plan.supportsColumnar()) {
      return cached;
    }
    return Optional.of(plan.executeColumnar().toJavaRDD());
  }

  /**
   * The same rows planned anew: a Dataset keeps the plan it made first, so one cached after that
   * would still be computed from its sources. Selecting every column as it is makes a new Dataset,
   * whose plan uses the cache (the optimiser drops the no-op projection).
   */
  private static Dataset<Row> fresh(Dataset<Row> df) {
    try {
      return df.select(
          Arrays.stream(df.columns())
              .map(c -> df.col("`" + c.replace("`", "``") + "`"))
              .toArray(Column[]::new));
    } catch (RuntimeException ambiguous) {
      return df; // duplicate column names cannot be selected by name; keep the plan as it is
    }
  }
}

package dev.orca.arrow;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Computes columns to append to rows, one batch at a time, from the shard of the batch ({@link
 * ShardConverter#appendColumns}): e.g. a model's outputs from the feature block. Runs in the Spark
 * tasks; the shard is closed after the call.
 */
@FunctionalInterface
public interface BatchColumns extends Serializable {
  /**
   * The values of the appended columns for each row of {@code batch}, in its row order, as Spark's
   * internal rows of the appended schema (one per row).
   */
  List<InternalRow> compute(Shard batch) throws Exception;
}

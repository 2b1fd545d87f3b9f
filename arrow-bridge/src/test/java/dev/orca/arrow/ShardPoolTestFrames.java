package dev.orca.arrow;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The data of the shard pool's tests: 32 float features and a label, as the benchmark's. */
final class ShardPoolTestFrames {
  static final int FEATURES = 32;

  private ShardPoolTestFrames() {}

  static Dataset<Row> frame(SparkSession spark, long rows, int partitions) {
    String[] columns = new String[FEATURES + 1];
    for (int j = 0; j < FEATURES; j++) {
      columns[j] = "cast(rand(" + j + ") * 100 - 50 as float) as f" + j;
    }
    columns[FEATURES] = "cast(id % 10 as float) as label";
    return spark.range(0, rows, 1, partitions).selectExpr(columns);
  }

  static ShardConverter converter(Dataset<Row> df) {
    List<String> features = new ArrayList<>();
    for (int j = 0; j < FEATURES; j++) {
      features.add("f" + j);
    }
    return ShardConverter.of(df, features, List.of("label"), ConversionOptions.defaults());
  }
}

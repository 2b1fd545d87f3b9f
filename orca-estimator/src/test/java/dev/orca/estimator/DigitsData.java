package dev.orca.estimator;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.row_number;

import dev.orca.sampledata.SampleData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The digits data set (from the sample-data module) as DataFrames: {@code pixels}, an array of 64
 * floats scaled to [0, 1], and {@code label}; split 80/20, stratified by label, with a seed.
 */
final class DigitsData {
  private DigitsData() {}

  /** The data as a file for Spark, written once into this module's build folder. */
  static Path file() {
    return SampleData.DIGITS.copyTo(Path.of("target", "sample-data"));
  }

  static Dataset<Row> load(SparkSession spark) {
    StructType schema = new StructType();
    for (int i = 0; i < 64; i++) {
      schema = schema.add("p" + i, DataTypes.FloatType);
    }
    schema = schema.add("label", DataTypes.FloatType);
    Dataset<Row> raw = spark.read().schema(schema).csv(file().toString());
    List<Column> pixels = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      pixels.add(col("p" + i).divide(16f).cast(DataTypes.FloatType));
    }
    return raw.select(array(pixels.toArray(Column[]::new)).as("pixels"), col("label"));
  }

  /**
   * An OrcaContext with cached training and test shards of the digits (split with seed 0), as the
   * tests use them; {@link #close} uncaches them and stops the context.
   */
  record Session(
      dev.orca.context.OrcaContext orca, dev.orca.data.XShards train, dev.orca.data.XShards test)
      implements AutoCloseable {
    static Session start(dev.orca.context.OrcaContext.Builder builder) {
      dev.orca.context.OrcaContext orca = builder.start();
      org.apache.spark.SparkContext sc = orca.spark().sparkContext();
      if (dev.orca.launcher.barrier.LocalCluster.isLocalClusterMaster(sc.master())) {
        // every executor JVM up before the shards are cached and the tests count executors: on a
        // loaded 2-core machine they take longer than the 30 s a fit would wait for them
        dev.orca.launcher.barrier.TaskSlots.awaitExecutors(
            sc,
            dev.orca.launcher.barrier.TaskSlots.expectedExecutors(sc),
            java.time.Duration.ofSeconds(180),
            "the digits tests");
      }
      List<Dataset<Row>> parts = split(load(orca.spark()).repartition(4), 0);
      return new Session(
          orca,
          dev.orca.data.XShards.fromDataFrame(parts.get(0), List.of("pixels"), List.of("label"))
              .cache(),
          dev.orca.data.XShards.fromDataFrame(parts.get(1), List.of("pixels"), List.of("label"))
              .cache());
    }

    @Override
    public void close() {
      train.uncache();
      test.uncache();
      orca.stop();
    }
  }

  /** [train, test]: within each label, a seeded random 20 % goes to test. */
  static List<Dataset<Row>> split(Dataset<Row> df, long seed) {
    Dataset<Row> ranked =
        df.withColumn("r", rand(seed))
            .withColumn("rank", row_number().over(Window.partitionBy("label").orderBy("r")))
            .withColumn("n", count(lit(1)).over(Window.partitionBy("label")));
    Column test = col("rank").leq(col("n").multiply(0.2));
    return List.of(
        ranked.where(org.apache.spark.sql.functions.not(test)).select("pixels", "label"),
        ranked.where(test).select("pixels", "label"));
  }
}

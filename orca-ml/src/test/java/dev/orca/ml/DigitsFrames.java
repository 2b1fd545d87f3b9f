package dev.orca.ml;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.row_number;

import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
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
 * The digits (sample-data) as Spark ML sees data: {@code pixels}, an array of 64 floats in [0, 1],
 * the same values as an ML vector {@code features} (and, on request, as 64 float columns), and
 * {@code label}, a double 0..9; split 80/20 within each label with a seed, as orca-estimator's
 * tests split them.
 */
final class DigitsFrames {
  /** A small MLP: 64 -> 32 -> ReLU -> classes. */
  static final String MLP = "digits-mlp";

  static {
    Architectures.register(
        MLP,
        (inputs, outputs, seed) ->
            new Sequential(inputs)
                .add(new Dense(32))
                .add(new ReLU())
                .add(new Dense(outputs))
                .optSeed(seed)
                .build());
  }

  private DigitsFrames() {}

  static Dataset<Row> load(SparkSession spark) {
    StructType schema = new StructType();
    for (int i = 0; i < 64; i++) {
      schema = schema.add("p" + i, DataTypes.FloatType);
    }
    schema = schema.add("label", DataTypes.FloatType);
    Path file = SampleData.DIGITS.copyTo(Path.of("target", "sample-data"));
    Dataset<Row> raw = spark.read().schema(schema).csv(file.toString());
    List<Column> pixels = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      pixels.add(col("p" + i).divide(16f).cast(DataTypes.FloatType));
    }
    Dataset<Row> df =
        raw.select(
            array(pixels.toArray(Column[]::new)).as("pixels"),
            col("label").cast(DataTypes.DoubleType).as("label"));
    return df.withColumn("features", org.apache.spark.ml.functions.array_to_vector(col("pixels")));
  }

  /**
   * {@code df} with the pixels also as 64 float columns {@code p0..p63}. (Made from the array of a
   * cached frame: written into the plan before the split, 64 more expressions made Spark's
   * optimiser run for many minutes.)
   */
  static Dataset<Row> withPixelColumns(Dataset<Row> df) {
    Dataset<Row> out = df;
    for (int i = 0; i < 64; i++) {
      out = out.withColumn("p" + i, col("pixels").getItem(i));
    }
    return out;
  }

  /** [train, test], each cached in {@code partitions} partitions. */
  static List<Dataset<Row>> split(Dataset<Row> df, long seed, int partitions) {
    Dataset<Row> ranked =
        df.withColumn("r", rand(seed))
            .withColumn("rank", row_number().over(Window.partitionBy("label").orderBy("r")))
            .withColumn("n", count(lit(1)).over(Window.partitionBy("label")));
    Column test = col("rank").leq(col("n").multiply(0.2));
    String[] keep = df.columns();
    return List.of(
        ranked
            .where(org.apache.spark.sql.functions.not(test))
            .selectExpr(keep)
            .repartition(partitions)
            .cache(),
        ranked.where(test).selectExpr(keep).repartition(partitions).cache());
  }
}

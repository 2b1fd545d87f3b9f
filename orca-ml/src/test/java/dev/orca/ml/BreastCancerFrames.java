package dev.orca.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.sampledata.SampleData;
import java.nio.file.Path;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The breast cancer data (sample-data) as a Spark ML user has it: 30 double columns {@code f0} to
 * {@code f29} on very different scales, a double {@code label} (1: malignant), and an {@code id}.
 */
final class BreastCancerFrames {
  /** One logit: 30 -> 16 -> ReLU -> 1. */
  static final String LOGIT = "bc-logit";

  /** Two outputs, one per class: 30 -> 16 -> ReLU -> 2. */
  static final String TWO = "bc-two";

  static final String[] FEATURES = new String[30];

  static {
    for (int i = 0; i < 30; i++) {
      FEATURES[i] = "f" + i;
    }
    Architectures.register(
        LOGIT,
        (inputs, outputs, seed) ->
            new Sequential(inputs)
                .add(new Dense(16))
                .add(new ReLU())
                .add(new Dense(1))
                .optSeed(seed)
                .build());
    Architectures.register(
        TWO,
        (inputs, outputs, seed) ->
            new Sequential(inputs)
                .add(new Dense(16))
                .add(new ReLU())
                .add(new Dense(outputs))
                .optSeed(seed)
                .build());
  }

  private BreastCancerFrames() {}

  static Dataset<Row> load(SparkSession spark) {
    StructType schema = new StructType();
    for (String f : FEATURES) {
      schema = schema.add(f, DataTypes.DoubleType);
    }
    schema = schema.add("diagnosis", DataTypes.IntegerType); // 0 malignant, 1 benign
    Path csv = SampleData.BREAST_CANCER.copyTo(Path.of("target", "sample-data"));
    Dataset<String> lines =
        spark
            .read()
            .textFile(csv.toString())
            .filter((FilterFunction<String>) l -> !l.matches("\\d+,\\d+,malignant,benign"));
    return spark
        .read()
        .schema(schema)
        .option("mode", "FAILFAST")
        .csv(lines)
        .withColumn("label", lit(1.0).minus(col("diagnosis")))
        .drop("diagnosis")
        .withColumn("id", monotonically_increasing_id());
  }
}

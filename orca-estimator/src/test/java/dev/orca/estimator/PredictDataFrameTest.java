package dev.orca.estimator;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code predict(df, featureCols)} returns the input's columns, unchanged, plus {@code prediction},
 * whatever the feature column is called: {@code features} is Spark ML's default name for it.
 */
class PredictDataFrameTest {
  private static OrcaContext orca;
  private static Dataset<Row> digits;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    // id, features (64 floats), label, a string column whose name has a dot; 3 partitions
    digits =
        DigitsData.load(orca.spark())
            .limit(300)
            .repartition(3)
            .select(
                monotonically_increasing_id().as("id"),
                col("pixels").as("features"),
                col("label"),
                lit("digits.csv").as("source.file"))
            .cache();
  }

  @AfterAll
  static void stop() {
    digits.unpersist();
    orca.stop();
  }

  private static Estimator estimator(int outputs) {
    Model mlp =
        new Sequential(64)
            .add(new Dense(16))
            .add(new ReLU())
            .add(new Dense(outputs))
            .optSeed(3)
            .build();
    return Estimator.builder()
        .setModel(mlp)
        .setLoss(Loss.meanSquaredError())
        .setOptimizer(new Sgd(0.1))
        .optWorkers(2)
        .optCoresPerWorker(1)
        .build();
  }

  @Test
  void aFeatureColumnCalledFeaturesIsScoredAndTheInputColumnsComeBackUnchanged() {
    try (Estimator est = estimator(10)) {
      Dataset<Row> scored = est.predict(digits, List.of("features"));
      assertEquals(
          List.of("id", "features", "label", "source.file", "prediction"),
          Arrays.asList(scored.columns()));
      assertEquals(digits.schema(), scored.drop("prediction").schema());
      assertEquals("array<float>", scored.schema().apply("prediction").dataType().simpleString());
      List<Row> rows = scored.orderBy("id").collectAsList();
      assertEquals(300, rows.size());
      assertEquals(
          digits.orderBy("id").collectAsList(),
          scored.orderBy("id").drop("prediction").collectAsList());
      assertPredictionsMatchTheDriversModel(est.getModel(), rows, 10);
    }
  }

  @Test
  void aOneValueModelAddsAFloatPredictionAndAFeatureColumnMayBeCalledLabel() {
    Dataset<Row> df = digits.select(col("id"), col("features").as("label"));
    try (Estimator est = estimator(1)) {
      Dataset<Row> scored = est.predict(df, List.of("label"));
      assertEquals(List.of("id", "label", "prediction"), Arrays.asList(scored.columns()));
      assertEquals(DataTypes.FloatType, scored.schema().apply("prediction").dataType());
      assertPredictionsMatchTheDriversModel(
          est.getModel(), scored.orderBy("id").collectAsList(), 1);
    }
  }

  @Test
  void columnsOfAnyTypePassThroughAndSparkMlVectorsAreFeaturesUnderAnyOutputName() {
    // a Spark ML vector (what VectorAssembler makes), a decimal and a map: none of them is an
    // Arrow type Orca carries, and predict only converts the feature column
    Dataset<Row> df =
        digits.select(
            col("id"),
            org.apache.spark.ml.functions.array_to_vector(col("features")).as("vec"),
            col("label").cast("decimal(10,2)").as("amount"),
            org.apache.spark.sql.functions.map(lit("k"), col("label")).as("tags"),
            lit(1.0).as("prediction"));
    try (Estimator est = estimator(10)) {
      Dataset<Row> scored = est.predict(df, List.of("vec"), "scores");
      assertEquals(
          List.of("id", "vec", "amount", "tags", "prediction", "scores"),
          Arrays.asList(scored.columns()));
      assertEquals(df.schema(), scored.drop("scores").schema());
      assertEquals(
          df.orderBy("id").collectAsList(), scored.orderBy("id").drop("scores").collectAsList());
      List<Row> rows =
          scored
              .orderBy("id")
              .select(
                  org.apache
                      .spark
                      .ml
                      .functions
                      .vector_to_array(col("vec"), "float32")
                      .as("features"),
                  col("scores").as("prediction"))
              .collectAsList();
      assertEquals(300, rows.size());
      assertPredictionsMatchTheDriversModel(est.getModel(), rows, 10);
    }
  }

  @Test
  void columnsMadeOfEachRowsOutputsAreAppendedInTheSamePassAndCheckedForClashes() {
    PredictionColumns classAndSum = new ClassAndSum();
    try (Estimator est = estimator(10)) {
      Dataset<Row> scored = est.predict(digits, List.of("features"), classAndSum);
      assertEquals(
          List.of("id", "features", "label", "source.file", "class", "total"),
          Arrays.asList(scored.columns()));
      List<Row> rows = scored.orderBy("id").collectAsList();
      List<Row> outputs = est.predict(digits, List.of("features")).orderBy("id").collectAsList();
      assertEquals(300, rows.size());
      for (int i = 0; i < rows.size(); i++) {
        List<Float> o = outputs.get(i).getList(outputs.get(i).fieldIndex("prediction"));
        int best = 0;
        double total = 0;
        for (int k = 0; k < 10; k++) {
          best = o.get(k) > o.get(best) ? k : best;
          total += o.get(k);
        }
        assertEquals(best, rows.get(i).getInt(4), "row " + i);
        assertEquals(total, rows.get(i).getDouble(5), 1e-9, "row " + i);
      }
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class,
              () ->
                  est.predict(
                      digits.withColumn("Total", lit(0)), List.of("features"), classAndSum));
      assertTrue(
          e.getMessage()
              .contains("already has a column 'Total', and predict adds a column 'total'"),
          e.getMessage());
    }
  }

  @Test
  void anExistingPredictionColumnFailsAtOnceSayingWhatToDo() {
    Dataset<Row> df = digits.withColumn("Prediction", col("label"));
    try (Estimator est = estimator(10)) {
      OrcaDataException e =
          assertThrows(OrcaDataException.class, () -> est.predict(df, List.of("features")));
      assertTrue(
          e.getMessage()
              .contains(
                  "already has a column 'Prediction', and predict adds a column"
                      + " 'prediction'; rename or drop it first, e.g. df.withColumnRenamed(\"Prediction\""),
          e.getMessage());

      XShards shards =
          XShards.fromDataFrame(
              df.withColumnRenamed("Prediction", "prediction"),
              List.of("features"),
              List.of(),
              ConversionOptions.defaults().keepAllColumns());
      e = assertThrows(OrcaDataException.class, () -> est.predict(shards));
      assertTrue(
          e.getMessage()
              .contains(
                  "already has a column 'prediction' (its columns are [_features, id,"
                      + " features, label, source.file, prediction]); choose another name"),
          e.getMessage());
    }
  }

  /** The class (argmax, an int) and the sum of the outputs of each row. */
  private static final class ClassAndSum implements PredictionColumns {
    @Override
    public StructType schema() {
      return new StructType()
          .add("class", DataTypes.IntegerType, false)
          .add("total", DataTypes.DoubleType, false);
    }

    @Override
    public InternalRow row(float[] outputs, int offset, int width) {
      int best = 0;
      double total = 0;
      for (int k = 0; k < width; k++) {
        best = outputs[offset + k] > outputs[offset + best] ? k : best;
        total += outputs[offset + k];
      }
      return new GenericInternalRow(new Object[] {best, total});
    }
  }

  /** Each row's prediction equals the driver's model applied to the row's features. */
  private static void assertPredictionsMatchTheDriversModel(
      Model model, List<Row> rows, int outputs) {
    int n = rows.size();
    int featuresAt = rows.get(0).fieldIndex(outputs == 1 ? "label" : "features");
    float[] x = new float[n * 64];
    for (int i = 0; i < n; i++) {
      List<Float> f = rows.get(i).getList(featuresAt);
      for (int j = 0; j < 64; j++) {
        x[i * 64 + j] = f.get(j);
      }
    }
    try (Tensor in = Tensor.of(x, n, 64);
        Tensor expected = model.predict(in)) {
      float[] e = expected.toArray();
      for (int i = 0; i < n; i++) {
        Row r = rows.get(i);
        for (int k = 0; k < outputs; k++) {
          float actual =
              outputs == 1
                  ? r.getFloat(r.fieldIndex("prediction"))
                  : r.<Float>getList(r.fieldIndex("prediction")).get(k);
          assertEquals(e[i * outputs + k], actual, 1e-5, "row " + i + " output " + k);
        }
      }
    }
  }
}

package dev.orca.estimator;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Predictions users can use: the class and its probabilities (softmax or sigmoid, as the loss reads
 * the outputs), a double for a one-output regression; each value checked against the driver's model
 * applied to the same rows.
 */
class PredictionsTest {
  private static OrcaContext orca;
  private static Dataset<Row> digits;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    digits =
        DigitsData.load(orca.spark())
            .limit(200)
            .repartition(2)
            .select(monotonically_increasing_id().as("id"), col("pixels"), col("label"))
            .cache();
  }

  @AfterAll
  static void stop() {
    digits.unpersist();
    orca.stop();
  }

  private static Estimator estimator(int outputs, Loss loss) {
    Model mlp =
        new Sequential(64)
            .add(new Dense(16))
            .add(new ReLU())
            .add(new Dense(outputs))
            .optSeed(5)
            .build();
    return Estimator.builder()
        .setModel(mlp)
        .setLoss(loss)
        .setOptimizer(new Sgd(0.1))
        .optWorkers(1)
        .optCoresPerWorker(1)
        .build();
  }

  @Test
  void softmaxClassesWithTheirProbabilitiesAndTheRawOutputsBeside() {
    try (Estimator est = estimator(10, Loss.sparseCategoricalCrossEntropy())) {
      Dataset<Row> scored = est.predict(digits, List.of("pixels"), Predictions.classes().withRaw());
      assertEquals(
          List.of("id", "pixels", "label", "prediction", "probability", "rawPrediction"),
          Arrays.asList(scored.columns()));
      assertEquals("int", type(scored, "prediction"));
      assertEquals("array<double>", type(scored, "probability"));
      assertEquals("array<float>", type(scored, "rawPrediction"));
      List<Row> rows = scored.orderBy("id").collectAsList();
      float[] logits = driverOutputs(est.getModel(), rows, 10);
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        double[] expected = softmax(logits, i * 10, 10);
        List<Double> p = r.getList(r.fieldIndex("probability"));
        double sum = 0;
        int argmax = 0;
        for (int k = 0; k < 10; k++) {
          assertEquals(expected[k], p.get(k), 1e-6, "row " + i + " class " + k);
          assertEquals(
              logits[i * 10 + k], r.<Float>getList(r.fieldIndex("rawPrediction")).get(k), 1e-5);
          sum += p.get(k);
          argmax = expected[k] > expected[argmax] ? k : argmax;
        }
        assertEquals(1.0, sum, 1e-9);
        assertEquals(argmax, r.getInt(r.fieldIndex("prediction")), "row " + i);
      }
    }
  }

  @Test
  void oneSigmoidOutputGivesTheClassAndBothProbabilities() {
    try (Estimator est = estimator(1, Loss.binaryCrossEntropy())) {
      Dataset<Row> scored = est.predict(digits, List.of("pixels"), Predictions.classes());
      assertEquals(
          List.of("id", "pixels", "label", "prediction", "probability"),
          Arrays.asList(scored.columns()));
      List<Row> rows = scored.orderBy("id").collectAsList();
      float[] z = driverOutputs(est.getModel(), rows, 1);
      int ones = 0;
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        double p = 1 / (1 + Math.exp(-z[i]));
        List<Double> probs = r.getList(r.fieldIndex("probability"));
        assertEquals(1 - p, probs.get(0), 1e-6);
        assertEquals(p, probs.get(1), 1e-6);
        assertEquals(z[i] >= 0 ? 1 : 0, r.getInt(r.fieldIndex("prediction")));
        ones += r.getInt(r.fieldIndex("prediction"));
      }
      assertTrue(ones > 0 && ones < rows.size(), "both classes occur: " + ones);
    }
  }

  @Test
  void severalSigmoidOutputsAreLabelsEachWithItsOwnProbability() {
    try (Estimator est = estimator(3, Loss.binaryCrossEntropy())) {
      List<Row> rows =
          est.predict(digits, List.of("pixels"), Predictions.classes())
              .orderBy("id")
              .collectAsList();
      float[] z = driverOutputs(est.getModel(), rows, 3);
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        for (int k = 0; k < 3; k++) {
          double p = 1 / (1 + Math.exp(-z[i * 3 + k]));
          assertEquals(p, r.<Double>getList(r.fieldIndex("probability")).get(k), 1e-6);
          assertEquals(
              z[i * 3 + k] >= 0 ? 1 : 0, r.<Integer>getList(r.fieldIndex("prediction")).get(k));
        }
      }
    }
  }

  @Test
  void aOneOutputRegressionIsADoubleColumn() {
    try (Estimator est = estimator(1, Loss.meanSquaredError())) {
      Dataset<Row> scored = est.predict(digits, List.of("pixels"), Predictions.regression());
      assertEquals("double", type(scored, "prediction"));
      List<Row> rows = scored.orderBy("id").collectAsList();
      float[] y = driverOutputs(est.getModel(), rows, 1);
      for (int i = 0; i < rows.size(); i++) {
        assertEquals(y[i], rows.get(i).getDouble(rows.get(i).fieldIndex("prediction")), 1e-5);
      }
    }
  }

  @Test
  void xshardsGetTheSameColumnsAsFloats() {
    XShards shards =
        XShards.fromDataFrame(
            digits, List.of("pixels"), List.of(), ConversionOptions.defaults().keepAllColumns());
    try (Estimator est = estimator(10, Loss.sparseCategoricalCrossEntropy())) {
      Dataset<Row> scored = est.predict(shards, Predictions.classes()).toDataFrame();
      assertEquals("float", type(scored, "prediction"));
      assertEquals("array<float>", type(scored, "probability"));
      assertEquals("array<float>", type(scored, "rawPrediction"));
      List<Row> rows = scored.orderBy("id").collectAsList();
      float[] logits = driverOutputs(est.getModel(), rows, 10);
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        double[] expected = softmax(logits, i * 10, 10);
        int argmax = 0;
        for (int k = 0; k < 10; k++) {
          assertEquals(expected[k], r.<Float>getList(r.fieldIndex("probability")).get(k), 1e-6);
          argmax = expected[k] > expected[argmax] ? k : argmax;
        }
        assertEquals(argmax, r.getFloat(r.fieldIndex("prediction")), 0.0);
      }
    }
    try (Estimator est = estimator(1, Loss.meanSquaredError())) {
      Dataset<Row> scored = est.predict(shards, Predictions.regression()).toDataFrame();
      assertEquals("float", type(scored, "prediction"), "one float per row, not a list of one");
    }
  }

  @Test
  void whatCannotBeAnsweredFailsBeforeAnyWork() {
    try (Estimator est = estimator(10, Loss.meanSquaredError())) {
      OrcaConfigurationException e =
          assertThrows(
              OrcaConfigurationException.class,
              () -> est.predict(digits, List.of("pixels"), Predictions.classes()));
      assertTrue(e.getMessage().contains("trained with mse on 10 output(s)"), e.getMessage());
      e =
          assertThrows(
              OrcaConfigurationException.class,
              () -> est.predict(digits, List.of("pixels"), Predictions.regression()));
      assertTrue(e.getMessage().contains("this model has 10 outputs"), e.getMessage());
    }
    try (Estimator est = estimator(10, Loss.sparseCategoricalCrossEntropy())) {
      Dataset<Row> df = digits.withColumn("Probability", col("label"));
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class,
              () -> est.predict(df, List.of("pixels"), Predictions.classes()));
      assertTrue(
          e.getMessage().contains("already has a column 'Probability', and predict adds"),
          e.getMessage());
    }
  }

  private static String type(Dataset<Row> df, String column) {
    return df.schema().apply(column).dataType().simpleString();
  }

  /** The driver's model applied to the rows' pixels: {@code outputs} values per row. */
  private static float[] driverOutputs(Model model, List<Row> rows, int outputs) {
    int n = rows.size();
    float[] x = new float[n * 64];
    for (int i = 0; i < n; i++) {
      List<Float> f = rows.get(i).getList(rows.get(i).fieldIndex("pixels"));
      for (int j = 0; j < 64; j++) {
        x[i * 64 + j] = f.get(j);
      }
    }
    try (Tensor in = Tensor.of(x, n, 64);
        Tensor out = model.predict(in)) {
      return out.toArray();
    }
  }

  private static double[] softmax(float[] z, int from, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      max = Math.max(max, z[from + k]);
    }
    double sum = 0;
    double[] p = new double[n];
    for (int k = 0; k < n; k++) {
      p[k] = Math.exp(z[from + k] - max);
      sum += p[k];
    }
    for (int k = 0; k < n; k++) {
      p[k] /= sum;
    }
    return p;
  }
}

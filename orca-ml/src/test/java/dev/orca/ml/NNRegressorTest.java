package dev.orca.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.estimator.Estimator;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The regressor on several numeric columns (the 64 pixel columns of the digits, the digit as the
 * target number): a double prediction, on which Spark's RegressionEvaluator reads the RMSE and MAE
 * that Orca's evaluate computes.
 */
class NNRegressorTest {
  private static final String[] PIXELS = new String[64];
  private static OrcaContext orca;
  private static Dataset<Row> train;
  private static Dataset<Row> test;

  @BeforeAll
  static void start() {
    for (int i = 0; i < 64; i++) {
      PIXELS[i] = "p" + i;
    }
    orca = OrcaContext.builder().cores(2).start();
    List<Dataset<Row>> parts = DigitsFrames.split(DigitsFrames.load(orca.spark()), 1, 2);
    train = parts.get(0);
    test = parts.get(1);
  }

  private static Dataset<Row> columns(Dataset<Row> df) {
    return DigitsFrames.withPixelColumns(df);
  }

  @AfterAll
  static void stop() {
    train.unpersist();
    test.unpersist();
    orca.stop();
  }

  @Test
  void sparksRegressionEvaluatorReadsTheErrorsOrcaComputes() {
    NNRegressionModel model =
        new NNRegressor()
            .setFeaturesCols(PIXELS)
            .setArchitecture(DigitsFrames.MLP)
            .setMaxEpoch(5)
            .setBatchSize(64)
            .setLearningRate(1e-2)
            .setWorkers(2)
            .setCoresPerWorker(1)
            .fit(columns(train));
    Dataset<Row> scored = model.transform(columns(test));
    assertEquals(DataTypes.DoubleType, scored.schema().apply("prediction").dataType());
    double rmse = new RegressionEvaluator().setMetricName("rmse").evaluate(scored);
    double mae = new RegressionEvaluator().setMetricName("mae").evaluate(scored);
    double spread =
        test.agg(org.apache.spark.sql.functions.stddev_pop("label")).first().getDouble(0);
    assertTrue(rmse < 0.8 * spread, "test RMSE of the digit " + rmse + ", its spread " + spread);

    try (Estimator est =
        Estimator.builder()
            .setModel(Model.fromBytes(model.network(), Engine.create(1)))
            .optWorkers(1)
            .optCoresPerWorker(1)
            .build()) {
      Map<String, Double> orcaMetrics = est.evaluate(test, List.of("pixels"), List.of("label"));
      assertEquals(orcaMetrics.get("rmse"), rmse, 1e-6 * rmse);
      assertEquals(orcaMetrics.get("mae"), mae, 1e-6 * mae);
    }
    Row first = scored.select("features", "prediction").first();
    assertEquals(
        first.getDouble(1), model.predict(first.<Vector>getAs(0)), 1e-5, "one row on the driver");
    assertEquals(5, model.trainingHistory().orElseThrow().epochs().size());
  }
}

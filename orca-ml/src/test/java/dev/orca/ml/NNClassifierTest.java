package dev.orca.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The classifier trains through the Estimator: on the same data, seed and settings it gives the
 * same model as a direct Estimator fit, and Spark's evaluator reads the same accuracy from its
 * output as Orca's evaluate computes.
 */
class NNClassifierTest {
  private static final long SEED = 7;
  private static final int EPOCHS = 6;
  private static final int BATCH = 64;
  private static final double RATE = 1e-2;
  private static OrcaContext orca;
  private static Dataset<Row> train;
  private static Dataset<Row> test;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    List<Dataset<Row>> parts = DigitsFrames.split(DigitsFrames.load(orca.spark()), 0, 2);
    train = parts.get(0);
    test = parts.get(1);
  }

  @AfterAll
  static void stop() {
    train.unpersist();
    test.unpersist();
    orca.stop();
  }

  static NNClassifier classifier() {
    return new NNClassifier()
        .setArchitecture(DigitsFrames.MLP)
        .setMaxEpoch(EPOCHS)
        .setBatchSize(BATCH)
        .setLearningRate(RATE)
        .setSeed(SEED)
        .setWorkers(2)
        .setCoresPerWorker(1);
  }

  @Test
  void theFittedModelPredictsAsTheDirectEstimatorAndSparksEvaluatorAgreesWithOrcasAccuracy() {
    NNClassificationModel model = classifier().fit(train);
    Dataset<Row> scored = model.transform(test);
    double sparkAccuracy =
        new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);

    try (Estimator est =
        Estimator.builder()
            .setModel(Architectures.get(DigitsFrames.MLP).build(64, 10, SEED))
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(RATE))
            .optMetrics(Metric.accuracy())
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      est.fit(
          XShards.fromDataFrame(train, List.of("pixels"), List.of("label")),
          FitConfig.builder().setEpochs(EPOCHS).setBatchSize(BATCH).optSeed(SEED).build());
      Map<String, Double> orcaMetrics =
          est.evaluate(XShards.fromDataFrame(test, List.of("pixels"), List.of("label")));
      assertEquals(orcaMetrics.get("accuracy"), sparkAccuracy, 1e-9);
      assertTrue(sparkAccuracy > 0.9, "accuracy " + sparkAccuracy);
      // the same weights: the stage's logits are the direct model's outputs for every row
      List<Row> rows = est.predict(scored, List.of("pixels"), "direct").collectAsList();
      for (Row r : rows) {
        double[] raw = r.<Vector>getAs("rawPrediction").toArray();
        List<Float> direct = r.getList(r.fieldIndex("direct"));
        for (int k = 0; k < 10; k++) {
          assertEquals(direct.get(k), raw[k], 1e-4);
        }
        double[] p = r.<Vector>getAs("probability").toArray();
        assertEquals(1.0, java.util.Arrays.stream(p).sum(), 1e-9);
        assertEquals(argmax(raw), r.<Double>getAs("prediction"), 0.0);
      }
      assertEquals(test.count(), rows.size());
    }
    assertEquals(EPOCHS, model.trainingHistory().orElseThrow().epochs().size());
    assertEquals(10, model.numClasses());
    assertEquals(64, model.numFeatures());
    assertArrayEquals(
        model.predictRaw(test.first().<Vector>getAs("features")).toArray(),
        scored.first().<Vector>getAs("rawPrediction").toArray(),
        1e-5);
  }

  private static double argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}

package dev.orca.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;

/**
 * The stages' params as Spark ML finds them (by reflection), owned by the stage, with Spark ML's
 * defaults where Spark has the param and the documented ones for training.
 */
class StageParamsTest {
  private static final List<String> TRAINING =
      List.of(
          "architecture",
          "backend",
          "batchSize",
          "coresPerWorker",
          "earlyStoppingPatience",
          "featuresCols",
          "learningRate",
          "maxEpoch",
          "optimizer",
          "seed",
          "validationIndicatorCol",
          "workers");

  @Test
  void theClassifierHasSparksColumnParamsAndTheTrainingParamsWithTheirDefaults() {
    NNClassifier nn = new NNClassifier("nnClassifier_test");
    assertEquals("nnClassifier_test", nn.uid());
    List<String> names = names(nn);
    assertTrue(names.containsAll(TRAINING), names.toString());
    assertTrue(
        names.containsAll(
            List.of(
                "featuresCol",
                "labelCol",
                "predictionCol",
                "probabilityCol",
                "rawPredictionCol",
                "thresholds")),
        names.toString());
    for (Param<?> p : nn.params()) {
      assertEquals(nn.uid(), p.parent(), p.name() + " belongs to the stage");
    }
    assertEquals("features", nn.getFeaturesCol());
    assertEquals("label", nn.getLabelCol());
    assertEquals("prediction", nn.getPredictionCol());
    assertEquals("probability", nn.getProbabilityCol());
    assertEquals("rawPrediction", nn.getRawPredictionCol());
    assertEquals(32, nn.getBatchSize());
    assertEquals(10, nn.getMaxEpoch());
    assertEquals("adam", nn.getOptimizer());
    assertEquals(1e-3, nn.getLearningRate(), 0.0);
    assertEquals(NNClassifier.class.getName().hashCode(), nn.getSeed());
    assertEquals("spark", nn.getBackend());
    assertEquals(0, nn.getWorkers());
  }

  @Test
  void theRegressorAndTheGenericEstimatorHaveTheTrainingParamsToo() {
    assertTrue(names(new NNRegressor()).containsAll(TRAINING));
    List<String> generic = names(new NNEstimator());
    assertTrue(generic.containsAll(TRAINING), generic.toString());
    assertTrue(
        generic.containsAll(List.of("featuresCol", "labelCol", "predictionCol", "loss")),
        generic.toString());
    NNEstimator e = new NNEstimator();
    assertEquals("mse", e.getOrDefault(e.loss()));
  }

  @Test
  void aValueOutsideAParamsRangeIsRefusedByTheParam() {
    Exception e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new NNClassifier().setOptimizer("rmsprop"));
    assertTrue(e.getMessage().contains("optimizer"), e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new NNRegressor().setBatchSize(0));
  }

  private static List<String> names(Params stage) {
    return Arrays.stream(stage.params()).map(Param::name).toList();
  }
}

package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SparkBackendTest {
  private static DigitsData.Session digits;

  @BeforeAll
  static void start() {
    digits = DigitsData.Session.start(OrcaContext.builder().cores(2));
  }

  @AfterAll
  static void stop() {
    digits.close();
  }

  @Test
  void twoWorkersLearnDigitsToAtLeast97Percent() {
    try (Estimator est =
        Estimator.builder()
            .setModel(
                new Sequential(64)
                    .add(new Dense(128))
                    .add(new ReLU())
                    .add(new Dense(64))
                    .add(new ReLU())
                    .add(new Dense(10))
                    .optSeed(0)
                    .build())
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(2e-3))
            .optMetrics(Metric.accuracy())
            .optBackend(Backend.SPARK)
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      TrainingHistory h =
          est.fit(
              digits.train(),
              FitConfig.builder()
                  .setEpochs(40)
                  .setBatchSize(64)
                  .optSeed(1)
                  .optValidation(digits.test())
                  .build());
      assertEquals(40, h.epochs().size());
      assertTrue(h.last().trainValue("loss") < h.epochs().get(0).trainValue("loss"));
      Map<String, Double> result = est.evaluate(digits.test());
      System.out.println("digits test: " + result + "; " + h.stoppedBecause());
      assertTrue(result.get("accuracy") >= 0.97, "test accuracy " + result);
      assertEquals(
          result.get("accuracy"),
          h.last().validationValue("accuracy"),
          1e-9,
          "validation during fit and evaluate afterwards see the same model");
    }
  }
}

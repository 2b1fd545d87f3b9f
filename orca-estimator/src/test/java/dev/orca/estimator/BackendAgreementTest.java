package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.collective.Transport;
import dev.orca.context.OrcaContext;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Sgd;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same seed, data and global batch with plain SGD give the same weights after an epoch on 1, 2
 * and 4 workers and on both backends (up to float summation order); and the ray backend learns
 * digits as well as the spark backend. Whichever transport sums the gradients (memory of the JVM, a
 * shared-memory segment, TCP), the weights have the same bits.
 */
class BackendAgreementTest {
  private static DigitsData.Session digits;

  @BeforeAll
  static void start() {
    // 4 task slots for the 4-worker run (on any machine)
    digits = DigitsData.Session.start(OrcaContext.builder().cores(4));
  }

  @AfterAll
  static void stop() {
    digits.close();
  }

  private static Model mlp() {
    return new Sequential(64)
        .add(new Dense(32))
        .add(new ReLU())
        .add(new Dense(10))
        .optSeed(5)
        .build();
  }

  private static Estimator sgdEstimator(Backend backend, int workers) {
    return Estimator.builder()
        .setModel(mlp())
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Sgd(0.05))
        .optBackend(backend)
        .optWorkers(workers)
        .optCoresPerWorker(1)
        .build();
  }

  private static float[] weightsAfterOneEpoch(Backend backend, int workers) {
    try (Estimator est =
        Estimator.builder()
            .setModel(mlp())
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Sgd(0.05))
            .optBackend(backend)
            .optWorkers(workers)
            .optCoresPerWorker(1)
            .build()) {
      est.fit(
          digits.train(),
          FitConfig.builder().setEpochs(1).setBatchSize(32).optSeed(9).optProgress(false).build());
      float[] w = new float[est.getModel().parameterCount()];
      est.getModel().parameters().get(0, w);
      return w;
    }
  }

  @Test
  void oneTwoAndFourWorkersAndBothBackendsEndTheEpochWithTheSameWeights() {
    float[] reference = weightsAfterOneEpoch(Backend.SPARK, 1);
    float[] initial = new float[reference.length];
    try (Model m = mlp()) {
      m.parameters().get(0, initial);
    }
    assertTrue(
        maxRelativeDifference(reference, initial) > 1e-2, "the epoch must change the weights");
    for (Object[] run :
        new Object[][] {
          {Backend.SPARK, 2}, {Backend.SPARK, 4}, {Backend.RAY, 1}, {Backend.RAY, 2}
        }) {
      float[] w = weightsAfterOneEpoch((Backend) run[0], (Integer) run[1]);
      assertEquals(
          0, maxRelativeDifference(reference, w), 1e-4, run[0] + " with " + run[1] + " workers");
    }
  }

  @Test
  void theWeightsHaveTheSameBitsWhicheverTransportSumsTheGradients() {
    // embedded workers are threads of one JVM: AUTO picks memory; TCP and a segment are forced
    for (Object[] run : new Object[][] {{Backend.SPARK, 4}, {Backend.RAY, 2}}) {
      Backend backend = (Backend) run[0];
      int workers = (Integer) run[1];
      float[] reference = null;
      for (Transport t : new Transport[] {Transport.AUTO, Transport.TCP, Transport.SHARED_MEMORY}) {
        try (Estimator est = sgdEstimator(backend, workers)) {
          TrainingHistory h =
              est.fit(
                  digits.train(),
                  FitConfig.builder()
                      .setEpochs(1)
                      .setBatchSize(32)
                      .optSeed(9)
                      .optProgress(false)
                      .optTransport(t)
                      .build());
          Transport ran = t == Transport.AUTO ? Transport.IN_JVM : t;
          assertTrue(h.transport().startsWith(ran + ": " + workers + " workers"), h.transport());
          float[] w = new float[est.getModel().parameterCount()];
          est.getModel().parameters().get(0, w);
          if (reference == null) {
            reference = w;
          } else {
            assertArrayEquals(reference, w, backend + ", " + workers + " workers, " + t);
          }
        }
      }
    }
  }

  @Test
  void twoRayWorkersLearnDigitsToAtLeast97Percent() {
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
            .setOptimizer(new dev.orca.nn.optim.Adam(2e-3))
            .optMetrics(Metric.accuracy())
            .optBackend(Backend.RAY)
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
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.97, "ray backend, test accuracy " + result);
      assertEquals(result.get("accuracy"), h.last().validationValue("accuracy"), 1e-9);
    }
  }

  static double maxRelativeDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      double scale = Math.max(1e-3, Math.max(Math.abs(a[i]), Math.abs(b[i])));
      max = Math.max(max, Math.abs(a[i] - b[i]) / scale);
    }
    return max;
  }
}

package dev.orca.estimator.internal.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.TrainingException;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Backend;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import dev.orca.testing.Checkpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ray backend replaces lost workers and resumes from the last checkpoint, up to the retry
 * limit.
 */
class RayBackendRecoveryTest {
  private static OrcaContext orca;
  private static XShards data;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    Random r = new Random(2);
    float[][] x = new float[2000][10];
    float[] y = new float[2000];
    for (int i = 0; i < x.length; i++) {
      double s = 0;
      for (int j = 0; j < 10; j++) {
        x[i][j] = (float) r.nextGaussian();
        s += x[i][j] * (j % 2 == 0 ? 1 : -1);
      }
      y[i] = s > 0 ? 1 : 0;
    }
    data = XShards.fromArrays(x, y, 2).cache();
  }

  @AfterAll
  static void stop() {
    data.uncache();
    orca.stop();
  }

  private static Estimator estimator() {
    return Estimator.builder()
        .setModel(
            new Sequential(10)
                .add(new Dense(16))
                .add(new ReLU())
                .add(new Dense(2))
                .optSeed(3)
                .build())
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Adam(1e-2))
        .optMetrics(Metric.accuracy())
        .optBackend(Backend.RAY)
        .optWorkers(2)
        .optCoresPerWorker(1)
        .build();
  }

  @Test
  void aLostWorkerIsReplacedAndTrainingResumesFromTheLastCheckpoint(@TempDir Path checkpoints)
      throws Exception {
    int epochs = 300;
    try (Estimator est = estimator()) {
      FitConfig config =
          FitConfig.builder()
              .setEpochs(epochs)
              .setBatchSize(32)
              .optProgress(false)
              .optCheckpoints(checkpoints.toString(), 1)
              .build();
      CompletableFuture<TrainingHistory> fit =
          CompletableFuture.supplyAsync(() -> est.fit(data, config));
      Checkpoints.await(checkpoints, 3, null, Duration.ofMinutes(2));
      assertEquals(1, RayTrainingActor.cutOff(1), "one worker of rank 1 to cut off");
      TrainingHistory h = fit.get(5, TimeUnit.MINUTES);
      assertEquals(1, h.restarts(), "one recovery");
      assertEquals(epochs, h.epochs().size());
      assertTrue(est.evaluate(data).get("accuracy") > 0.9);
    }
  }

  @Test
  void failuresBeyondTheRetryLimitEndInAClearError() throws Exception {
    try (Estimator est = estimator()) {
      FitConfig config =
          FitConfig.builder()
              .setEpochs(3000)
              .setBatchSize(32)
              .optProgress(false)
              .optMaxRetries(0)
              .build();
      CompletableFuture<TrainingHistory> fit =
          CompletableFuture.supplyAsync(() -> est.fit(data, config));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (RayTrainingActor.cutOff(0) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Exception e = assertThrows(Exception.class, () -> fit.get(2, TimeUnit.MINUTES));
      assertTrue(e.getCause() instanceof TrainingException, String.valueOf(e.getCause()));
      assertTrue(e.getCause().getMessage().contains("maxRetries=0"), e.getCause().getMessage());
    }
  }
}

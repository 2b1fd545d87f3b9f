package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.orcauser.FeatureScale;
import dev.orca.context.ClusterMode;
import dev.orca.context.OrcaContext;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark backend with its workers in two real executor JVMs (local-cluster). */
class LocalClusterTrainingTest {
  private static DigitsData.Session digits;

  @BeforeAll
  static void start() {
    digits =
        DigitsData.Session.start(
            OrcaContext.builder()
                .clusterMode(ClusterMode.LOCAL_CLUSTER)
                .numNodes(2)
                .cores(1)
                .memory("1200m"));
  }

  @AfterAll
  static void stop() {
    digits.close();
  }

  private static Estimator estimator() {
    Model mlp =
        new Sequential(64)
            .add(new Dense(128))
            .add(new ReLU())
            .add(new Dense(64))
            .add(new ReLU())
            .add(new Dense(10))
            .optSeed(0)
            .build();
    // workers and cores default to the context: 2 executors of 1 core
    return Estimator.builder()
        .setModel(mlp)
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Adam(2e-3))
        .optMetrics(Metric.accuracy())
        .build();
  }

  @Test
  void twoExecutorJvmsLearnDigitsToAtLeast97Percent() {
    try (Estimator est = estimator()) {
      assertEquals(2, est.workers());
      assertEquals(1, est.coresPerWorker());
      est.fit(
          digits.train(), FitConfig.builder().setEpochs(40).setBatchSize(64).optSeed(1).build());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.97, "local-cluster, test accuracy " + result);
    }
  }

  @Test
  void aLayerOfTheUsersOwnRegisteredOnTheDriverTrainsAndScoresInTheExecutorJvms() {
    // registered here only: the executors learn it from the job (their own allow-list would
    // refuse the model file otherwise)
    Layer.register(FeatureScale.class);
    Model model =
        new Sequential(64)
            .add(new FeatureScale().named("scale"))
            .add(new Dense(64))
            .add(new ReLU())
            .add(new Dense(10))
            .optSeed(0)
            .build();
    try (Estimator est =
        Estimator.builder()
            .setModel(model)
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(2e-3))
            .optMetrics(Metric.accuracy())
            .build()) {
      est.fit(
          digits.train(), FitConfig.builder().setEpochs(10).setBatchSize(64).optSeed(1).build());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.9, "with the user's layer, test " + result);
      float[] scale = est.getModel().parameter("scale", "scale").toArray();
      assertTrue(scale[20] != 1f, "the user's layer trained in the executors");
    }
  }

  @Test
  void anExecutorKilledMidTrainingResumesFromTheLastCheckpoint(@TempDir Path checkpoints)
      throws Exception {
    List<Long> executors = executorPids();
    assertEquals(2, executors.size(), "two executor JVMs: " + executors);
    int epochs = 120;
    try (Estimator est = estimator()) {
      FitConfig config =
          FitConfig.builder()
              .setEpochs(epochs)
              .setBatchSize(64)
              .optSeed(1)
              .optCheckpoints(checkpoints.toString(), 1)
              .build();
      CompletableFuture<TrainingHistory> fit =
          CompletableFuture.supplyAsync(() -> est.fit(digits.train(), config));
      awaitCheckpoint(checkpoints, 3, fit);
      ProcessHandle.of(executors.get(1)).orElseThrow().destroyForcibly(); // kill -9 an executor JVM
      TrainingHistory history = fit.get(5, TimeUnit.MINUTES);
      assertTrue(history.restarts() >= 1, "training did not notice the lost executor");
      assertEquals(epochs, history.epochs().size());
      assertEquals(epochs - 1, history.last().epoch());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.96, "after the restart, test accuracy " + result);
    }
  }

  /** The process ids of the executor JVMs, from tasks run in them. */
  private static List<Long> executorPids() {
    return digits
        .orca()
        .sparkContext()
        .parallelize(List.of(0, 1, 2, 3), 4)
        .map(i -> ProcessHandle.current().pid())
        .distinct()
        .collect();
  }

  private static void awaitCheckpoint(Path dir, int epoch, CompletableFuture<?> fit)
      throws Exception {
    String name = String.format("epoch-%05d.orca", epoch);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.list(dir)) {
        if (files.anyMatch(
            p ->
                p.getFileName().toString().compareTo(name) >= 0
                    && p.toString().endsWith(".orca"))) {
          return;
        }
      }
      if (fit.isDone()) {
        fit.get(); // surfaces the failure
        throw new AssertionError("training ended before the checkpoint of epoch " + epoch);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no checkpoint of epoch " + epoch + " within 3 minutes");
  }
}

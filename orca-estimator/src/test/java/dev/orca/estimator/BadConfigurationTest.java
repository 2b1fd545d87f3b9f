package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaException;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configurations that cannot work fail before training starts, with a message saying what to
 * change.
 */
class BadConfigurationTest {
  private static OrcaContext orca;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
  }

  @AfterAll
  static void stop() {
    orca.stop();
  }

  /** 200 rows of {@code width} features, labels drawn from [0, classes). */
  private static XShards data(int width, int classes) {
    Random r = new Random(1);
    float[][] x = new float[200][width];
    float[] y = new float[200];
    for (int i = 0; i < 200; i++) {
      for (int j = 0; j < width; j++) {
        x[i][j] = (float) r.nextGaussian();
      }
      y[i] = r.nextInt(classes);
    }
    return XShards.fromArrays(x, y, 2);
  }

  private static Estimator estimator(int inputs, int classes, int workers) {
    return Estimator.builder()
        .setModel(new Sequential(inputs).add(new Dense(classes)).optSeed(1).build())
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Sgd(0.1))
        .optWorkers(workers)
        .optCoresPerWorker(1)
        .build();
  }

  private static FitConfig config() {
    return FitConfig.builder().setEpochs(1).setBatchSize(16).optProgress(false).build();
  }

  private static void assertFailsBeforeTraining(
      Estimator est, XShards data, FitConfig config, String... parts) {
    OrcaException e = assertThrows(OrcaException.class, () -> est.fit(data, config));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }
  }

  @Test
  void featureWidthThatDoesNotMatchTheModel() {
    try (Estimator est = estimator(8, 3, 2)) {
      assertFailsBeforeTraining(
          est, data(5, 3), config(), "5 feature values per row", "input takes 8");
    }
  }

  @Test
  void labelsOutsideTheModelsClasses() {
    try (Estimator est = estimator(5, 3, 2)) {
      assertFailsBeforeTraining(est, data(5, 7), config(), "class id per row in [0, 3)", "[0, 6]");
    }
  }

  /** {@code data(5, 3)} with label row 3 of each shard replaced by {@code value}. */
  private static XShards withLabel(float value) {
    return data(5, 3)
        .transformShard(
            s -> {
              s.labels().set(3, 0, value);
              return s;
            });
  }

  @Test
  void labelsThatAreNotFiniteAreNamedAsSuchNotAsARange() {
    for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
      try (Estimator est = estimator(5, 3, 2)) {
        assertFailsBeforeTraining(
            est,
            withLabel(bad),
            config(),
            "The training data's labels are not all finite: label column 'label' holds "
                + bad
                + " in row 3 of shard");
      }
    }
    // a loss without a label range check (mse) is not left to end in "loss became NaN"
    try (Estimator est =
        Estimator.builder()
            .setModel(new Sequential(5).add(new Dense(1)).optSeed(1).build())
            .setLoss(Loss.meanSquaredError())
            .setOptimizer(new Sgd(0.1))
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      assertFailsBeforeTraining(
          est,
          withLabel(Float.POSITIVE_INFINITY),
          config(),
          "label column 'label' holds Infinity in row 3 of shard");
    }
  }

  @Test
  void aDataFrameWithAnInfiniteValueFailsNamingTheColumn() {
    Dataset<Row> df =
        orca.spark()
            .range(0, 200, 1, 2)
            .selectExpr(
                "if(id = 42, cast('1e39' as double), rand(1)) as a",
                "rand(2) as b",
                "if(id = 150, cast('Infinity' as double), cast(id % 3 as double)) as y",
                "cast(id % 3 as double) as clean");
    try (Estimator est = estimator(2, 3, 2)) {
      OrcaException e =
          assertThrows(
              OrcaException.class,
              () -> est.fit(df, List.of("a", "b"), List.of("clean"), config()));
      assertTrue(
          e.getMessage()
              .contains("feature column 'a' has a null, NaN or infinite value in 1 of 100 rows"),
          e.getMessage());
      e =
          assertThrows(
              OrcaException.class,
              () -> est.fit(df, List.of("b", "clean"), List.of("y"), config()));
      assertTrue(
          e.getMessage()
              .contains("label column 'y' has a null, NaN or infinite value in 1 of 100 rows"),
          e.getMessage());
    }
  }

  @Test
  void moreWorkersThanSlots() {
    try (Estimator est = estimator(5, 3, 3)) {
      long t0 = System.nanoTime();
      assertFailsBeforeTraining(est, data(5, 3), config(), "3 training workers", "at most 2");
      assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "must fail in seconds");
    }
  }

  @Test
  void batchSmallerThanTheNumberOfWorkers() {
    try (Estimator est = estimator(5, 3, 2)) {
      FitConfig tiny = FitConfig.builder().setEpochs(1).setBatchSize(1).build();
      assertFailsBeforeTraining(est, data(5, 3), tiny, "global batch size 1", "2 workers");
    }
  }

  @Test
  void aCheckpointDirectoryThatCannotBeWritten(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
    try (Estimator est = estimator(5, 3, 2)) {
      FitConfig config =
          FitConfig.builder()
              .setEpochs(1)
              .setBatchSize(16)
              .optCheckpoints(file.resolve("checkpoints").toString(), 1)
              .build();
      assertFailsBeforeTraining(
          est, data(5, 3), config, "checkpoint directory", "cannot be written");
    }
  }

  @Test
  void aLossThatBlowsUpNamesTheEpochAsTheConsoleCountsIt() {
    try (Estimator est =
        Estimator.builder()
            .setModel(new Sequential(5).add(new Dense(1)).optSeed(1).build())
            .setLoss(Loss.meanSquaredError())
            .setOptimizer(new Sgd(1e30))
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      FitConfig config =
          FitConfig.builder()
              .setEpochs(2)
              .setBatchSize(16)
              .optMaxRetries(0)
              .optProgress(false)
              .build();
      OrcaException e = assertThrows(OrcaException.class, () -> est.fit(data(5, 3), config));
      assertTrue(
          e.getMessage()
              .matches(
                  "(?s).*mse loss became (NaN|Infinity) in epoch 1, step \\d+: lower"
                      + " the learning rate.*"),
          e.getMessage());
    }
  }

  @Test
  void anEstimatorWithoutLossOrOptimizer() {
    OrcaException e =
        assertThrows(
            OrcaException.class,
            () ->
                Estimator.builder()
                    .setModel(new Sequential(4).add(new Dense(2)).build())
                    .optWorkers(1)
                    .build());
    assertTrue(e.getMessage().contains("not compiled"), e.getMessage());
  }

  @Test
  void anEmptyDataSet() {
    try (Estimator est = estimator(5, 3, 2)) {
      XShards empty = data(5, 3).transformShard(s -> s.selectRows(new int[0]));
      assertFailsBeforeTraining(est, empty, config(), "empty");
    }
  }
}

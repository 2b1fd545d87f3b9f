package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.arrow.Shard;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Adam;
import dev.orca.testing.CapturedLog;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every shard the estimator or Spark takes is closed by whoever holds it, so the end of a task
 * finds none open and logs no warning; a consumer that takes a shard and leaves it open is still
 * reported.
 */
class ShardOwnershipTest {
  private static final String TASK_MEMORY = "dev.orca.arrow.internal.TaskMemory";
  private static final String NOT_CLOSED = "were not closed by their consumer";
  private static OrcaContext orca;
  private static Dataset<Row> digits;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    digits = DigitsData.load(orca.spark()).cache();
  }

  @AfterAll
  static void stop() {
    digits.unpersist();
    orca.stop();
  }

  private static Estimator estimator() {
    return Estimator.builder()
        .setModel(
            new Sequential(64)
                .add(new Dense(32))
                .add(new ReLU())
                .add(new Dense(10))
                .optSeed(0)
                .build())
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Adam(2e-3))
        .optBackend(Backend.SPARK)
        .optWorkers(2)
        .optCoresPerWorker(1)
        .build();
  }

  @Test
  void fittingFourPartitionsOnTwoWorkersLeavesNoShardOpen() {
    // 4 and 3 partitions for 2 workers: the spark backend shuffles the shards to its workers
    XShards train =
        XShards.fromDataFrame(digits.repartition(4), List.of("pixels"), List.of("label"));
    XShards validation =
        XShards.fromDataFrame(
            digits.limit(300).repartition(3), List.of("pixels"), List.of("label"));
    assertEquals(4, train.numPartitions());
    try (Estimator est = estimator();
        CapturedLog log = new CapturedLog(TASK_MEMORY)) {
      TrainingHistory h =
          est.fit(
              train,
              FitConfig.builder()
                  .setEpochs(2)
                  .setBatchSize(64)
                  .optSeed(1)
                  .optValidation(validation)
                  .optProgress(false)
                  .build());
      assertEquals(2, h.epochs().size());
      assertTrue(h.last().trainValue("loss") < h.epochs().get(0).trainValue("loss"));
      assertEquals(List.of(), log.lines());
    }
  }

  @Test
  void showAndFirstOnPredictionsLeaveNoShardOpen() {
    Dataset<Row> df = digits.repartition(3);
    try (Estimator est = estimator();
        CapturedLog log = new CapturedLog(TASK_MEMORY)) {
      Dataset<Row> predicted = est.predict(df, List.of("pixels"));
      predicted.show(3);
      Row first = predicted.first();
      assertEquals(10, first.getList(first.fieldIndex("prediction")).size());
      assertEquals(5, predicted.limit(5).collectAsList().size());
      assertEquals(List.of(), log.lines());
    }
  }

  @Test
  void aShardMadeAheadButNeverTakenIsNotReported() {
    XShards shards =
        XShards.fromDataFrame(digits.repartition(2), List.of("pixels"), List.of("label"));
    XShards part = shards.randomSplit(new double[] {0.5, 0.5}, 7).get(0);
    try (CapturedLog log = new CapturedLog(TASK_MEMORY)) {
      // hasNext() makes the next shard to know there is one; the consumer then stops
      for (XShards xs : List.of(shards, part)) {
        assertEquals(
            List.of(true, true),
            xs.rdd().mapPartitions(it -> List.of(it.hasNext()).iterator()).collect());
      }
      assertEquals(List.of(), log.lines());
    }
  }

  @Test
  void aShardTakenAndLeftOpenIsStillReported() {
    XShards shards =
        XShards.fromDataFrame(digits.repartition(2), List.of("pixels"), List.of("label"));
    try (CapturedLog log = new CapturedLog(TASK_MEMORY)) {
      List<Integer> rows =
          shards
              .rdd()
              .mapPartitions(
                  it -> {
                    Shard taken = it.next(); // and never closed
                    return List.of(taken.rows()).iterator();
                  })
              .collect();
      assertEquals(2, rows.size());
      assertEquals(2, log.count("1 shard(s) " + NOT_CLOSED), log.lines().toString());
    }
  }
}

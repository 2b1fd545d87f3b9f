package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.TrainingException;
import dev.orca.arrow.FloatBlock;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import dev.orca.testing.CapturedLog;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A worker whose own computation fails (here: its rows hold an infinite feature, so its loss is not
 * finite) ends training on both backends at once, with its own error: the other workers are told
 * through the ring instead of waiting out the step timeout, the driver reports that worker's error
 * (not a peer's "lost connection"), and nothing is retried, since a retry would only fail again.
 */
class OwnFailureTest {
  private static final float MARK = 12345f;
  private static OrcaContext orca;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
  }

  @AfterAll
  static void stop() {
    orca.stop();
  }

  /**
   * 200 rows in 2 partitions; one row of the second partition carries a marker, made infinite
   * later.
   */
  private static XShards data() {
    Random r = new Random(1);
    float[][] x = new float[200][5];
    float[] y = new float[200];
    for (int i = 0; i < 200; i++) {
      for (int j = 0; j < 5; j++) {
        x[i][j] = (float) r.nextGaussian();
      }
      y[i] = r.nextInt(3);
    }
    x[150][2] = MARK;
    // after conversion, as a user's transformation could: conversion itself refuses infinities
    return XShards.fromArrays(x, y, 2)
        .transformShard(
            s -> {
              FloatBlock f = s.features();
              for (int row = 0; row < f.rows(); row++) {
                if (f.get(row, 2) == MARK) {
                  f.set(row, 2, Float.POSITIVE_INFINITY);
                }
              }
              return s;
            });
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWorkersOwnErrorEndsTrainingAtOnceWithThatError(Backend backend) {
    AtomicInteger retriedStages = new AtomicInteger();
    SparkListener stages =
        new SparkListener() {
          @Override
          public void onStageSubmitted(SparkListenerStageSubmitted event) {
            if (event.stageInfo().attemptNumber() > 0) {
              retriedStages.incrementAndGet();
            }
          }
        };
    orca.sparkContext().sc().addSparkListener(stages);
    try (CapturedLog log = new CapturedLog("dev.orca.estimator");
        Estimator est =
            Estimator.builder()
                .setModel(new Sequential(5).add(new Dense(3)).optSeed(1).build())
                .setLoss(Loss.sparseCategoricalCrossEntropy())
                .setOptimizer(new Sgd(0.1))
                .optBackend(backend)
                .optWorkers(2)
                .optCoresPerWorker(1)
                .build()) {
      // a step timeout far beyond the test's patience: the healthy worker must not wait it out
      FitConfig config =
          FitConfig.builder()
              .setEpochs(2)
              .setBatchSize(32)
              .optShuffle(false)
              .optMaxRetries(3)
              .optStepTimeout(Duration.ofMinutes(30))
              .optProgress(false)
              .build();
      TrainingException e = assertThrows(TrainingException.class, () -> est.fit(data(), config));
      String m = e.getMessage();
      // the worker holding the infinite value (the second partition) reports its own error
      assertTrue(m.startsWith("Training failed: worker 1"), m);
      assertTrue(m.contains("loss became"), m);
      assertTrue(m.contains("check the data for NaN and infinite values"), m);
      assertFalse(m.contains("gave up") || m.contains("lost connection"), m);
      // never retried: no resumed run, no rerun of Spark's stage
      assertEquals(0, log.count("resuming"), log.lines().toString());
      assertEquals(0, retriedStages.get(), "Spark reran the training stage");
    } finally {
      orca.sparkContext().sc().removeSparkListener(stages);
    }
  }
}

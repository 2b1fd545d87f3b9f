package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.TrainingException;
import dev.orca.context.OrcaContext;
import dev.orca.estimator.callbacks.CsvLogger;
import dev.orca.estimator.callbacks.ModelCheckpoint;
import dev.orca.estimator.callbacks.TensorBoard;
import dev.orca.estimator.tensorboard.EventFiles;
import dev.orca.estimator.tensorboard.proto.Event;
import dev.orca.estimator.tensorboard.proto.Summary;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import dev.orca.nn.optim.ExponentialDecay;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Training's lifecycle on both backends, with 2 workers on the digits: a fit resumed from its
 * checkpoints continues exactly where it stopped (optimizer state, learning-rate schedule,
 * shuffling, early stopping's count), its TensorBoard files and CSV log continue the epochs, and a
 * callback that throws ends training naming it, with nothing left running.
 */
class LifecycleTest {
  private static DigitsData.Session digits;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    digits = DigitsData.Session.start(OrcaContext.builder().cores(2));
  }

  @AfterAll
  static void stop() {
    digits.close();
  }

  /** An MLP under Adam with a decaying rate: momentum, moments, step count and schedule matter. */
  private static Estimator estimator(Backend backend, long seed) {
    Model mlp =
        new Sequential(64)
            .add(new Dense(32))
            .add(new ReLU())
            .add(new Dense(10))
            .optSeed(seed)
            .build();
    return Estimator.builder()
        .setModel(mlp)
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Adam(new ExponentialDecay(3e-3, 20, 0.8), 0.9, 0.999, 1e-8, 0))
        .optMetrics(Metric.accuracy())
        .optBackend(backend)
        .optWorkers(2)
        .optCoresPerWorker(1)
        .build();
  }

  private static FitConfig.Builder config(int epochs) {
    return FitConfig.builder()
        .setEpochs(epochs)
        .setBatchSize(64)
        .optSeed(11)
        .optValidation(digits.test())
        .optProgress(false);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void threeEpochsThenAResumedFitOfThreeMoreEqualSixInOne(Backend backend) throws Exception {
    float[] whole;
    TrainingHistory wholeHistory;
    try (Estimator est = estimator(backend, 1)) {
      wholeHistory =
          est.fit(digits.train(), config(6).optCallbacks(EarlyStopping.of("val_loss", 10)).build());
      whole = weights(est);
    }
    assertEquals(6, wholeHistory.epochs().size());

    String ckpt = dir.resolve("ckpt").toString();
    String logs = dir.resolve("tb").toString();
    Path csv = dir.resolve("log.csv");
    try (Estimator est = estimator(backend, 1)) {
      TrainingHistory first =
          est.fit(
              digits.train(),
              config(3)
                  .optCallbacks(
                      EarlyStopping.of("val_loss", 10),
                      ModelCheckpoint.builder(ckpt).optKeepLast(2).build(),
                      TensorBoard.builder(logs).optEverySteps(5).build(),
                      new CsvLogger(csv))
                  .build());
      assertEquals(List.of(1, 2, 3), numbers(first));
    }
    // a new estimator, initialised differently: everything it trains with comes from the folder
    TrainingHistory resumed;
    float[] afterResume;
    try (Estimator est = estimator(backend, 99)) {
      resumed =
          est.fit(
              digits.train(),
              config(6)
                  .optSeed(12345) // ignored: the shuffling sequence is the checkpoint's
                  .optResumeFrom(ckpt)
                  .optCallbacks(
                      EarlyStopping.of("val_loss", 10),
                      ModelCheckpoint.builder(ckpt).optKeepLast(2).build(),
                      TensorBoard.builder(logs).optEverySteps(5).build(),
                      new CsvLogger(csv))
                  .build());
      afterResume = weights(est);
    }
    assertEquals(List.of(4, 5, 6), numbers(resumed), "the history continues the epoch numbers");
    assertEquals(whole.length, afterResume.length);
    for (int i = 0; i < whole.length; i++) {
      assertEquals(whole[i], afterResume[i], 1e-5, "weight " + i);
    }
    for (int e = 3; e < 6; e++) {
      assertEquals(
          wholeHistory.epochs().get(e).trainValue("loss"),
          resumed.epochs().get(e - 3).trainValue("loss"),
          1e-5,
          "loss of epoch " + (e + 1));
    }

    // the logs of both fits make one run: epochs 1 to 6, values as in the histories
    List<EpochRecord> all = new ArrayList<>(wholeHistory.epochs().subList(0, 3));
    all.addAll(resumed.epochs());
    Map<Long, Float> trainLoss = scalars(Path.of(logs, "train"), "epoch_loss");
    Map<Long, Float> valAccuracy = scalars(Path.of(logs, "validation"), "epoch_accuracy");
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), new ArrayList<>(trainLoss.keySet()));
    for (EpochRecord e : all) {
      assertEquals((float) e.trainValue("loss"), trainLoss.get((long) e.number()), 1e-5);
      assertEquals((float) e.validationValue("accuracy"), valAccuracy.get((long) e.number()), 1e-5);
    }
    Map<Long, Float> lr = scalars(Path.of(logs, "train"), "batch_learning_rate");
    long steps = (long) Math.ceil(digits.train().count() / 64.0);
    for (Map.Entry<Long, Float> step : lr.entrySet()) {
      // the schedule's rate of the step logged, counted over both fits
      assertEquals(3e-3 * Math.pow(0.8, (step.getKey() - 1) / 20.0), step.getValue(), 1e-7);
    }
    assertTrue(lr.keySet().stream().anyMatch(s -> s > 3 * steps), "steps of the resumed fit");
    List<String> lines = Files.readAllLines(csv);
    assertEquals(7, lines.size(), lines.toString());
    assertTrue(lines.get(6).startsWith("6,"), lines.get(6));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aSavedEstimatorResumesWithItsEarlyStoppingCount(Backend backend) {
    String saved = dir.resolve("saved").toString();
    EarlyStopping stop = new EarlyStopping("val_accuracy", 2, 0.5); // never improves by 0.5
    try (Estimator est = estimator(backend, 1)) {
      TrainingHistory h = est.fit(digits.train(), config(2).optCallbacks(stop).build());
      assertEquals("completed 2 epochs", h.stoppedBecause());
      est.save(saved);
    }
    try (Estimator est = Estimator.load(saved)) {
      TrainingHistory h =
          est.fit(
              digits.train(),
              config(10)
                  .optResumeFrom(saved)
                  .optCallbacks(new EarlyStopping("val_accuracy", 2, 0.5))
                  .build());
      // epoch 2 did not improve on epoch 1 (count 1): epoch 3 is the second without improvement
      assertEquals(List.of(3), numbers(h));
      assertTrue(h.stoppedBecause().startsWith("early stopping: val_accuracy"), h.stoppedBecause());
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aCallbackThatThrowsEndsTrainingNamingItAndNothingIsLeftRunning(Backend backend) {
    AtomicInteger epochsSeen = new AtomicInteger();
    AtomicInteger failedCalls = new AtomicInteger();
    Callback broken =
        new Callback() {
          @Override
          public void onEpochEnd(EpochRecord epoch, TrainingContext context) {
            if (epochsSeen.incrementAndGet() == 2) {
              throw new IllegalStateException("the dashboard is down");
            }
          }

          @Override
          public void onTrainFailed(RuntimeException error, TrainingContext context) {
            failedCalls.incrementAndGet();
          }

          @Override
          public String toString() {
            return "DashboardUpload";
          }
        };
    int threadsBefore = orcaThreads();
    try (Estimator est = estimator(backend, 1)) {
      TrainingException e =
          assertThrows(
              TrainingException.class,
              () -> est.fit(digits.train(), config(6).optCallbacks(broken).build()));
      assertEquals(
          "Training stopped: the callback DashboardUpload failed in onEpochEnd: the dashboard is"
              + " down",
          e.getMessage());
      assertEquals(2, epochsSeen.get(), "no epoch after the failing one");
      assertEquals(1, failedCalls.get());
      assertEquals(0, digits.orca().sparkContext().sc().statusTracker().getActiveJobIds().length);
      assertEquals(threadsBefore, orcaThreads(), "training threads left running");
      // the estimator is usable: the next fit trains
      assertEquals(1, est.fit(digits.train(), config(1).build()).epochs().size());
    }
  }

  private static int orcaThreads() {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("orca-"))
            .count();
  }

  private static List<Integer> numbers(TrainingHistory h) {
    return h.epochs().stream().map(EpochRecord::number).toList();
  }

  private static float[] weights(Estimator est) {
    FloatBuffer p = est.getModel().parameters();
    float[] w = new float[est.getModel().parameterCount()];
    p.get(p.position(), w);
    return w;
  }

  /** One series of a run folder's event files, by step; every record's CRCs checked on reading. */
  private static Map<Long, Float> scalars(Path run, String tag) {
    Map<Long, Float> out = new TreeMap<>();
    for (Path file : EventFiles.in(run)) {
      for (Event e : EventFiles.read(file)) {
        for (Summary.Value v : e.getSummary().getValueList()) {
          if (v.getTag().equals(tag)) {
            out.put(e.getStep(), v.getSimpleValue());
          }
        }
      }
    }
    return out;
  }
}

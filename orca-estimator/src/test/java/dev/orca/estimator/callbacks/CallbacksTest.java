package dev.orca.estimator.callbacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.estimator.Backend;
import dev.orca.estimator.Callback;
import dev.orca.estimator.EarlyStopping;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.StepFigures;
import dev.orca.estimator.TrainingContext;
import dev.orca.estimator.TrainingHistory;
import dev.orca.estimator.internal.FitCallbacks;
import dev.orca.estimator.internal.TrainingState;
import dev.orca.estimator.tensorboard.EventFiles;
import dev.orca.estimator.tensorboard.proto.Event;
import dev.orca.estimator.tensorboard.proto.Summary;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The callbacks as the driver runs them, with epoch figures given here and a model source that
 * hands out a different model per epoch (so a checkpoint's bytes show which epoch they are of).
 */
class CallbacksTest {
  @TempDir Path dir;

  /** val_loss per epoch: best at epoch index 1, then no better for three epochs. */
  private static final double[] VAL_LOSS = {0.9, 0.5, 0.6, 0.55, 0.7, 0.8};

  private final Map<Integer, byte[]> models = new HashMap<>();
  private final List<Integer> fetched = new ArrayList<>();

  private byte[] modelOf(int epoch) {
    return models.computeIfAbsent(
        epoch,
        e -> {
          try (Model m = new Sequential(4).add(new Dense(3)).optSeed(100 + e).build()) {
            m.compile(new Sgd(0.1), Loss.meanSquaredError());
            return m.toBytes();
          }
        });
  }

  private FitCallbacks fit(List<Callback> callbacks, int epochs, int first) {
    FitCallbacks f =
        new FitCallbacks(
            callbacks,
            new FitCallbacks.Plan(epochs, first, 4, 32, 7, true, Backend.SPARK, 2),
            modelOf(first - 1));
    f.modelSource(
        e -> {
          fetched.add(e);
          return modelOf(e);
        });
    return f;
  }

  private static EpochRecord epoch(int e) {
    Map<String, Double> train = new LinkedHashMap<>(); // in this order, as the workers report
    train.put("loss", 1.0 / (e + 1));
    train.put("accuracy", 0.1 * e);
    return new EpochRecord(e, train, Map.of("loss", VAL_LOSS[e]), 2, 1, 100);
  }

  /** Runs epochs [from, to) and returns the epoch after which a callback asked to stop, or -1. */
  private static int run(FitCallbacks f, int from, int to) {
    for (int e = from; e < to; e++) {
      f.epochBegin(e);
      if (f.epochEnd(epoch(e), 0.1, 4L * (e + 1)) != null) {
        return e;
      }
    }
    return -1;
  }

  @Test
  void earlyStoppingCarriesItsCountIntoAResumedFit() {
    FitCallbacks whole = fit(List.of(EarlyStopping.of("val_loss", 3)), 6, 0);
    whole.trainBegin(null);
    assertEquals(4, run(whole, 0, 6), "no improvement on 0.5 in epochs 2, 3, 4");
    assertEquals(
        "early stopping: val_loss did not improve on 0.5 for 3 epochs", whole.stopReason());

    FitCallbacks first = fit(List.of(EarlyStopping.of("val_loss", 3)), 6, 0);
    first.trainBegin(null);
    assertEquals(-1, run(first, 0, 3));
    TrainingState saved = TrainingState.parse(first.trainingState(), "test");
    assertEquals(2, saved.lastEpoch());
    assertEquals(7, saved.seed());

    FitCallbacks resumed = fit(List.of(EarlyStopping.of("val_loss", 3)), 6, 3);
    resumed.trainBegin(saved);
    assertEquals(4, run(resumed, 3, 6), "the count of epoch 2 was kept");
  }

  @Test
  void modelCheckpointKeepsTheLastAndTheBestWithTheStateAfterEveryCallback() throws Exception {
    String ckpt = dir.resolve("ckpt").toString();
    EarlyStopping stop = EarlyStopping.of("val_loss", 3);
    ModelCheckpoint checkpoint =
        ModelCheckpoint.builder(ckpt).optKeepLast(2).optBest("val_loss").build();
    // given first, but run after EarlyStopping
    FitCallbacks f = fit(List.of(checkpoint, stop), 6, 0);
    f.trainBegin(null);
    assertEquals(4, run(f, 0, 6));

    assertEquals(
        new TreeSet<>(
            List.of(
                "best.orca",
                "best.state",
                "epoch-00003.orca",
                "epoch-00003.state",
                "epoch-00004.orca",
                "epoch-00004.state")),
        files(ckpt));
    assertArrayEquals(modelOf(4), Files.readAllBytes(Path.of(ckpt, "epoch-00004.orca")));
    assertArrayEquals(modelOf(1), Files.readAllBytes(Path.of(ckpt, "best.orca")));
    assertEquals(List.of(0, 1, 2, 3, 4), fetched, "one fetch per epoch, shared by both files");

    String key = FitCallbacks.keysOf(List.of(stop)).get(0);
    TrainingState last =
        TrainingState.parse(Files.readString(Path.of(ckpt, "epoch-00004.state")), "test");
    assertEquals(4, last.lastEpoch());
    assertTrue(last.callbacks().get(key).endsWith(" 3"), "the stopping epoch counted: " + last);
    TrainingState best = TrainingState.parse(Files.readString(Path.of(ckpt, "best.state")), "t");
    assertEquals(1, best.lastEpoch());
  }

  @Test
  void aCallbackThatThrowsIsNamedAndNothingIsCalledAfterIt() {
    List<String> calls = new ArrayList<>();
    Callback broken =
        new Callback() {
          @Override
          public void onEpochEnd(EpochRecord epoch, TrainingContext context) {
            if (epoch.epoch() == 1) {
              throw new IllegalStateException("disk full");
            }
          }

          @Override
          public String toString() {
            return "Uploader(s3)";
          }
        };
    Callback recorder =
        new Callback() {
          @Override
          public void onEpochEnd(EpochRecord epoch, TrainingContext context) {
            calls.add("end " + epoch.epoch());
          }

          @Override
          public void onTrainFailed(RuntimeException error, TrainingContext context) {
            calls.add("failed: " + error.getMessage());
          }
        };
    FitCallbacks f = fit(List.of(broken, recorder), 6, 0);
    f.trainBegin(null);
    assertEquals(1, run(f, 0, 6));
    assertEquals(
        "Training stopped: the callback Uploader(s3) failed in onEpochEnd: disk full",
        f.failure().getMessage());
    f.trainFailed(f.failure());
    assertEquals(List.of("end 0", "failed: " + f.failure().getMessage()), calls);
  }

  @Test
  void stepCallbacksAreCalledAtTheirOwnIntervals() {
    List<String> calls = new ArrayList<>();
    LearningRateLogger every2 = new LearningRateLogger(2);
    Callback every3 =
        new Callback() {
          @Override
          public int stepInterval() {
            return 3;
          }

          @Override
          public void onSteps(StepFigures figures, TrainingContext context) {
            calls.add("3: " + figures.step());
          }
        };
    FitCallbacks f = fit(List.of(every2, every3, new CsvLogger(dir.resolve("x.csv"))), 1, 0);
    assertEquals(1, f.stepInterval(), "gcd of 2 and 3: the worker reports every step");
    f.trainBegin(null);
    for (int s = 1; s <= 6; s++) {
      f.steps(new StepFigures(0, s, 6, s, 32L * s, 100, 0.5, Map.of(), 0.01 * s));
    }
    assertEquals(List.of("3: 3", "3: 6"), calls);
    assertEquals(3, every2.bySteps().size());
    assertEquals(0.06, every2.bySteps().get(2)[1], 1e-12);
  }

  @Test
  void csvLoggerWritesALinePerEpochAndAppendsWhenResumed() throws Exception {
    Path csv = dir.resolve("log/train.csv");
    FitCallbacks first = fit(List.of(new CsvLogger(csv)), 4, 0);
    first.trainBegin(null);
    run(first, 0, 2);
    first.trainEnd(new TrainingHistory(List.of(), "completed", 0));
    FitCallbacks resumed = fit(List.of(new CsvLogger(csv)), 4, 2);
    resumed.trainBegin(null);
    run(resumed, 2, 4);
    resumed.trainEnd(new TrainingHistory(List.of(), "completed", 0));
    assertEquals(
        List.of(
            "epoch,seconds,samples_per_second,learning_rate,loss,accuracy,val_loss",
            "1,2.00000,50.0000,0.100000,1.00000,0.00000,0.900000",
            "2,2.00000,50.0000,0.100000,0.500000,0.100000,0.500000",
            "3,2.00000,50.0000,0.100000,0.333333,0.200000,0.600000",
            "4,2.00000,50.0000,0.100000,0.250000,0.300000,0.550000"),
        Files.readAllLines(csv));
  }

  @Test
  void tensorBoardWritesEpochsStepsAndHistogramsThatReadBack() {
    String logDir = dir.resolve("tb").toString();
    TensorBoard tb = TensorBoard.builder(logDir).optEverySteps(2).optHistograms(true).build();
    FitCallbacks f = fit(List.of(tb), 2, 0);
    f.trainBegin(null);
    f.epochBegin(0);
    for (int s = 1; s <= 4; s++) {
      f.steps(new StepFigures(0, s, 4, s, 32L * s, 640, 1.0 / s, Map.of("accuracy", 0.2 * s), 0.1));
    }
    f.epochEnd(epoch(0), 0.1, 4);
    f.epochBegin(1);
    f.epochEnd(epoch(1), 0.05, 8);
    f.trainEnd(new TrainingHistory(List.of(), "completed", 0));

    List<Event> train = events(Path.of(logDir, "train"));
    List<Event> val = events(Path.of(logDir, "validation"));
    assertEquals("brain.Event:2", train.get(0).getFileVersion());
    Map<String, Map<Long, Float>> t = scalars(train);
    assertEquals(Map.of(2L, 0.5f, 4L, 0.25f), t.get("batch_loss"));
    assertEquals(Map.of(2L, 0.4f, 4L, 0.8f), t.get("batch_accuracy"));
    assertEquals(Map.of(2L, 640f, 4L, 640f), t.get("batch_samples_per_second"));
    assertEquals(Map.of(1L, 1.0f, 2L, 0.5f), t.get("epoch_loss"));
    assertEquals(Map.of(1L, 0.1f, 2L, 0.05f), t.get("epoch_learning_rate"));
    assertEquals(Map.of(1L, 50f, 2L, 50f), t.get("epoch_samples_per_second"));
    assertEquals(Map.of(1L, 0.9f, 2L, 0.5f), scalars(val).get("epoch_loss"));
    assertNull(scalars(val).get("epoch_accuracy"), "no validation accuracy was given");

    // histograms of each parameter of the epoch's model: the Dense layer's kernel and bias
    List<Summary.Value> histos = new ArrayList<>();
    for (Event e : train) {
      for (Summary.Value v : e.getSummary().getValueList()) {
        if (v.hasHisto()) {
          histos.add(v);
        }
      }
    }
    assertEquals(4, histos.size());
    try (Model m = Model.fromBytes(modelOf(1), dev.orca.nn.Engine.create(1))) {
      Model.ParameterRange kernel = m.parameterRanges().get(0);
      assertTrue(kernel.name().endsWith("/kernel"), kernel.name());
      assertEquals(12, kernel.size());
      double sum = 0;
      for (int i = 0; i < kernel.size(); i++) {
        sum += m.parameters().get(kernel.offset() + i);
      }
      Summary.Value last = histos.get(2);
      assertEquals(kernel.name(), last.getTag());
      assertEquals(12, last.getHisto().getNum());
      assertEquals(sum, last.getHisto().getSum(), 1e-6);
    }
    assertFalse(fetched.isEmpty());
  }

  private static List<Event> events(Path run) {
    List<Event> all = new ArrayList<>();
    for (Path file : EventFiles.in(run)) {
      all.addAll(EventFiles.read(file));
    }
    return all;
  }

  private static Map<String, Map<Long, Float>> scalars(List<Event> events) {
    Map<String, Map<Long, Float>> out = new HashMap<>();
    for (Event e : events) {
      for (Summary.Value v : e.getSummary().getValueList()) {
        if (v.getValueCase() == Summary.Value.ValueCase.SIMPLE_VALUE) {
          out.computeIfAbsent(v.getTag(), k -> new HashMap<>())
              .put(e.getStep(), v.getSimpleValue());
        }
      }
    }
    return out;
  }

  private static TreeSet<String> files(String folder) throws Exception {
    try (var s = Files.list(Path.of(folder))) {
      TreeSet<String> names = new TreeSet<>();
      s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(names::add);
      return names;
    }
  }
}

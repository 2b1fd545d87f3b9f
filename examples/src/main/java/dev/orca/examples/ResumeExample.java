package dev.orca.examples;

import static org.apache.spark.sql.functions.monotonically_increasing_id;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Callback;
import dev.orca.estimator.EarlyStopping;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.Predictions;
import dev.orca.estimator.TrainingContext;
import dev.orca.estimator.TrainingHistory;
import dev.orca.estimator.callbacks.CsvLogger;
import dev.orca.estimator.callbacks.ModelCheckpoint;
import dev.orca.estimator.callbacks.TensorBoard;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import dev.orca.nn.optim.ExponentialDecay;
import dev.orca.sampledata.SampleData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Training's lifecycle on the digits: a fit with checkpoints ({@code ModelCheckpoint}: the last two
 * epochs and the best by validation accuracy), TensorBoard logs (scalars per epoch and every few
 * steps, weight histograms) and a CSV log stops early, as if the job had been interrupted; a new
 * estimator, as a new program would make, resumes from the checkpoint folder and trains the
 * remaining epochs; the result predicts classes with their probabilities.
 *
 * <pre>bin/orca-run examples dev.orca.examples.ResumeExample [--epochs 12] [--stop-after 4] ...
 * </pre>
 *
 * Open the logs with {@code tensorboard --logdir examples/out/resume/tensorboard}.
 */
public final class ResumeExample {
  private ResumeExample() {}

  public static void main(String[] args) {
    options().runMain(ResumeExample.class, args, ResumeExample::run);
  }

  static ExampleArgs options() {
    return ExampleArgs.of("resume")
        .withTraining()
        .option("epochs", "12", "epochs in all, before and after the stop")
        .option("stop-after", "4", "the epoch after which the first fit stops")
        .option("batch", "64", "global batch size (over all workers)");
  }

  /** Runs the example with these options (see {@link #options()}) and returns its figures. */
  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    String checkpoints = fresh(out.file("checkpoints")).toString();
    String logs = fresh(out.file("tensorboard")).toString();
    Path csv = out.file("training.csv");
    int epochs = opts.integer("epochs");
    try (OrcaContext orca = opts.startContext()) {
      Dataset<Row> digits = DigitsExample.load(orca, SampleData.DIGITS.copyTo(out.dir()));
      List<Dataset<Row>> parts =
          StratifiedSplit.split(digits, "label", new double[] {0.8, 0.2}, opts.seed());
      int workers = opts.integer("workers");
      Dataset<Row> trainDf = parts.get(0).repartition(workers).cache();
      Dataset<Row> testDf =
          parts.get(1).withColumn("id", monotonically_increasing_id()).repartition(workers).cache();
      XShards train = XShards.fromDataFrame(trainDf, List.of("pixels"), List.of("label")).cache();
      XShards test = XShards.fromDataFrame(testDf, List.of("pixels"), List.of("label")).cache();
      try {
        // 1. train with checkpoints and logs, and stop early
        TrainingHistory first;
        try (Estimator est = estimator(opts, opts.seed())) {
          first =
              est.fit(
                  train,
                  config(opts, epochs, test)
                      .optCallbacks(
                          callbacks(
                              checkpoints, logs, csv, new StopAfter(opts.integer("stop-after"))))
                      .build());
        }
        System.out.println("first fit: " + first.stoppedBecause());

        // 2. a new estimator (initialised differently: the checkpoint decides) resumes
        TrainingHistory resumed;
        Map<String, Double> figures = new LinkedHashMap<>();
        try (Estimator est = estimator(opts, opts.seed() + 1000)) {
          resumed =
              est.fit(
                  train,
                  config(opts, epochs, test)
                      .optResumeFrom(checkpoints)
                      .optCallbacks(callbacks(checkpoints, logs, csv))
                      .build());
          Map<String, Double> evaluated = est.evaluate(test);
          Dataset<Row> predicted =
              est.predict(testDf, List.of("pixels"), Predictions.classes()).cache();
          System.out.println("the first test rows, their class and its probability:");
          predicted
              .selectExpr(
                  "id", "cast(label as int) as label", "prediction", "probability[prediction]")
              .orderBy("id")
              .show(5, false);
          double predictedAccuracy =
              predicted.selectExpr("avg(cast(prediction = label as double))").first().getDouble(0);
          predicted.unpersist();
          figures.put("accuracy", evaluated.get("accuracy"));
          figures.put("predict_accuracy", predictedAccuracy);
        }
        List<EpochRecord> all = new ArrayList<>(first.epochs());
        all.addAll(resumed.epochs());
        TrainingHistory whole = new TrainingHistory(all, resumed.stoppedBecause(), 0);
        Path chart = out.history("resume", "Digits MLP, stopped and resumed", whole, "accuracy");
        figures.put("first_epochs", (double) first.epochs().size());
        figures.put("resumed_from_epoch", (double) resumed.epochs().get(0).number());
        figures.put("last_epoch", (double) resumed.last().number());
        String line =
            String.format(
                Locale.ROOT,
                "digits trained epochs 1-%d, stopped, resumed epochs %d-%d from %s: test accuracy"
                    + " %.3f; logs: tensorboard --logdir %s",
                first.epochs().size(),
                resumed.epochs().get(0).number(),
                resumed.last().number(),
                checkpoints,
                figures.get("accuracy"),
                logs);
        return new ExampleResult(line, figures, List.of(chart));
      } finally {
        train.uncache();
        test.uncache();
        trainDf.unpersist();
        testDf.unpersist();
      }
    }
  }

  private static Estimator estimator(ExampleArgs opts, long seed) {
    Model mlp =
        new Sequential(64)
            .add(new Dense(128))
            .add(new ReLU())
            .add(new Dense(64))
            .add(new ReLU())
            .add(new Dense(10))
            .optSeed(seed)
            .build();
    return Estimator.builder()
        .setModel(mlp)
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        // a decaying rate: resuming continues the schedule where it stood
        .setOptimizer(new Adam(new ExponentialDecay(3e-3, 100, 0.8), 0.9, 0.999, 1e-8, 0))
        .optMetrics(Metric.accuracy())
        .optBackend(opts.backend())
        .optWorkers(opts.integer("workers"))
        .build();
  }

  private static FitConfig.Builder config(ExampleArgs opts, int epochs, XShards test) {
    return FitConfig.builder()
        .setEpochs(epochs)
        .setBatchSize(opts.integer("batch"))
        .optSeed(opts.seed())
        .optValidation(test);
  }

  /** The same callbacks in both fits, so that each finds its state in the checkpoint. */
  private static Callback[] callbacks(String checkpoints, String logs, Path csv, Callback... more) {
    List<Callback> all =
        new ArrayList<>(
            List.of(
                ModelCheckpoint.builder(checkpoints).optKeepLast(2).optBest("val_accuracy").build(),
                TensorBoard.builder(logs).optEverySteps(5).optHistograms(true).build(),
                new CsvLogger(csv),
                EarlyStopping.of("val_loss", 5)));
    all.addAll(List.of(more));
    return all.toArray(Callback[]::new);
  }

  /** Stops training after an epoch, as an interrupted job would stop. */
  private record StopAfter(int epoch) implements Callback {
    @Override
    public void onEpochEnd(EpochRecord e, TrainingContext context) {
      if (e.number() == epoch) {
        context.requestStop(
            "stopped after epoch " + epoch + ", as if the job had been interrupted");
      }
    }
  }

  /** {@code dir}, emptied: checkpoints and logs of an earlier run would be resumed from. */
  private static Path fresh(Path dir) {
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot empty " + dir + ": delete it by hand", e);
      }
    }
    return dir;
  }
}

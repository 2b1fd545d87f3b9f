package dev.orca.benchmarks.ml;

import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.benchmarks.Timing;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.ml.Architectures;
import dev.orca.ml.NNClassificationModel;
import dev.orca.ml.NNClassifier;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The Spark ML stage against the Estimator it trains through, on the same data and settings, in one
 * run: {@code NNClassifier.fit} then {@code transform} of every row (all output columns written),
 * against {@code Estimator.fit} then {@code predict} of every row, both reading the same cached
 * DataFrame's ML vector column (what {@code VectorAssembler} makes). The direct Estimator reading
 * the 32 numeric columns themselves is measured too. MLP 32-128-64-10, Adam, 2 workers of 1 core,
 * global batch 256. Medians of {@code runs} alternating runs after a warm-up of each.
 *
 * <pre>
 * bin/orca-run benchmarks dev.orca.benchmarks.ml.PipelineBenchmark [rows=400000] [epochs=2] [runs=3]
 * </pre>
 */
public final class PipelineBenchmark {
  private static final int FEATURES = 32;
  private static final String ARCHITECTURE = "benchmark-mlp";

  private PipelineBenchmark() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 400_000L;
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Architectures.register(
        ARCHITECTURE,
        (inputs, outputs, seed) ->
            new Sequential(inputs)
                .add(new Dense(128))
                .add(new ReLU())
                .add(new Dense(64))
                .add(new ReLU())
                .add(new Dense(outputs))
                .optSeed(seed)
                .build());
    try (OrcaContext orca = OrcaContext.builder().appName("PipelineBenchmark").cores(2).start()) {
      String[] columns = new String[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        columns[j] = "f" + j;
      }
      Dataset<Row> df =
          new VectorAssembler()
              .setInputCols(columns)
              .setOutputCol("features")
              .transform(frame(orca, rows))
              .cache();
      df.count();

      Timing stage = Timing.of(1, runs, () -> pipeline(df, epochs));
      Timing vector = Timing.of(1, runs, () -> direct(df, List.of("features"), epochs));
      Timing scalars = Timing.of(1, runs, () -> direct(df, List.of(columns), epochs));

      BenchmarkReport.start(
              "pipeline",
              "NNClassifier fit + transform against Estimator fit + predict, "
                  + rows
                  + " rows x "
                  + FEATURES
                  + " features, "
                  + epochs
                  + " epochs")
          .note(
              String.format(
                  Locale.ROOT,
                  "MLP %d-128-64-10, Adam, 2 workers x 1 core, batch 256, embedded; medians of %d"
                      + " runs",
                  FEATURES,
                  runs))
          .figure("NNClassifier.fit + transform (vector column)", stage.median(), "s")
          .baseline("Estimator.fit + predict (same vector column)", vector.median(), "s")
          .baseline("Estimator.fit + predict (the 32 numeric columns)", scalars.median(), "s")
          .ratio(
              "stage / Estimator on the same column", stage.median() / vector.median(), "<= 1.10")
          .ratio("stage / Estimator on numeric columns", stage.median() / scalars.median(), "")
          .note(
              String.format(
                  Locale.ROOT,
                  "ranges: stage %.2f-%.2f s, Estimator (vector) %.2f-%.2f s, Estimator (numbers)"
                      + " %.2f-%.2f s",
                  stage.min(),
                  stage.max(),
                  vector.min(),
                  vector.max(),
                  scalars.min(),
                  scalars.max()))
          .finish();
      df.unpersist();
    }
  }

  /** 32 random features in [0, 1) and a label 0..9 that depends on them, as in the XShards one. */
  static Dataset<Row> frame(OrcaContext orca, long rows) {
    String[] select = new String[FEATURES + 1];
    for (int j = 0; j < FEATURES; j++) {
      select[j] = "cast(rand(" + j + ") as double) as f" + j;
    }
    select[FEATURES] = "cast(floor(rand(99) * 10) as double) as label";
    return orca.spark().range(0, rows, 1, 4).selectExpr(select);
  }

  private static void pipeline(Dataset<Row> df, int epochs) {
    NNClassificationModel model =
        new NNClassifier()
            .setArchitecture(ARCHITECTURE)
            .setMaxEpoch(epochs)
            .setBatchSize(256)
            .setLearningRate(1e-3)
            .setSeed(1)
            .setWorkers(2)
            .setCoresPerWorker(1)
            .fit(df);
    model.transform(df).write().format("noop").mode("overwrite").save();
  }

  private static void direct(Dataset<Row> df, List<String> features, int epochs) {
    try (Estimator est =
        Estimator.builder()
            .setModel(
                Architectures.get(ARCHITECTURE)
                    .build(features.size() == 1 ? FEATURES : features.size(), 10, 1))
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(1e-3))
            .optMetrics(Metric.accuracy())
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      est.fit(
          XShards.fromDataFrame(df, features, List.of("label")),
          FitConfig.builder().setEpochs(epochs).setBatchSize(256).optSeed(1).build());
      est.predict(df, features).write().format("noop").mode("overwrite").save();
    }
  }
}

package dev.orca.benchmarks.ml;

import static dev.orca.benchmarks.Timing.median;

import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
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
 * global batch 256. Medians of {@code runs} runs, the three alternating, after a warm-up of each;
 * fit and scoring are also reported apart.
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
    BenchmarkArgs parsed =
        BenchmarkArgs.parse(
            "PipelineBenchmark [rows=400000] [epochs=2] [runs=3]", args, "rows", "epochs", "runs");
    long rows = parsed.longInteger("rows", 400_000L);
    int epochs = parsed.integer("epochs", 2);
    int runs = parsed.integer("runs", 3);
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

      // [stage, Estimator on the vector, Estimator on the numbers] x [fit, score] seconds,
      // the three alternating so that a slower moment of the machine falls on all of them
      double[][][] seconds = new double[3][2][runs];
      for (int run = -1; run < runs; run++) {
        double[][] t = {
          pipeline(df, epochs),
          direct(df, List.of("features"), epochs),
          direct(df, List.of(columns), epochs)
        };
        for (int v = 0; run >= 0 && v < 3; v++) {
          seconds[v][0][run] = t[v][0];
          seconds[v][1][run] = t[v][1];
        }
      }
      double[][] fit = new double[3][];
      double[][] score = new double[3][];
      double[][] total = new double[3][];
      for (int v = 0; v < 3; v++) {
        fit[v] = seconds[v][0];
        score[v] = seconds[v][1];
        total[v] = new double[runs];
        for (int r = 0; r < runs; r++) {
          total[v][r] = fit[v][r] + score[v][r];
        }
      }

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
                      + " alternating runs after a warm-up",
                  FEATURES,
                  runs))
          .figure("NNClassifier.fit + transform (vector column)", median(total[0]), "s")
          .baseline("Estimator.fit + predict (same vector column)", median(total[1]), "s")
          .baseline("Estimator.fit + predict (the 32 numeric columns)", median(total[2]), "s")
          .ratio(
              "stage / Estimator on the same column",
              median(total[0]) / median(total[1]),
              "<= 1.10")
          .ratio("stage / Estimator on numeric columns", median(total[0]) / median(total[2]), "")
          .figure("NNClassifier.fit", median(fit[0]), "s")
          .baseline("Estimator.fit (vector column)", median(fit[1]), "s")
          .ratio("fit: stage / Estimator", median(fit[0]) / median(fit[1]), "")
          .figure("NNClassificationModel.transform (3 columns)", median(score[0]), "s")
          .baseline("Estimator.predict (vector column)", median(score[1]), "s")
          .ratio("scoring: stage / Estimator", median(score[0]) / median(score[1]), "")
          .note(
              String.format(
                  Locale.ROOT,
                  "ranges of fit + score: stage %.2f-%.2f s, Estimator (vector) %.2f-%.2f s,"
                      + " Estimator (numbers) %.2f-%.2f s",
                  min(total[0]),
                  max(total[0]),
                  min(total[1]),
                  max(total[1]),
                  min(total[2]),
                  max(total[2])))
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

  /** [fit, score] seconds of the stage. */
  private static double[] pipeline(Dataset<Row> df, int epochs) {
    long t0 = System.nanoTime();
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
    long t1 = System.nanoTime();
    model.transform(df).write().format("noop").mode("overwrite").save();
    return new double[] {(t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9};
  }

  /** [fit, score] seconds of the Estimator on {@code features}. */
  private static double[] direct(Dataset<Row> df, List<String> features, int epochs) {
    long t0 = System.nanoTime();
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
      long t1 = System.nanoTime();
      est.predict(df, features).write().format("noop").mode("overwrite").save();
      return new double[] {(t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9};
    }
  }

  private static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return java.util.Arrays.stream(v).max().orElse(Double.NaN);
  }
}

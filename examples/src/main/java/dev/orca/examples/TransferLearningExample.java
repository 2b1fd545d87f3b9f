package dev.orca.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.row_number;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.nn.GraphModel;
import dev.orca.nn.Model;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.onnx.OnnxExporter;
import dev.orca.nn.onnx.OnnxImporter;
import dev.orca.nn.optim.Adam;
import dev.orca.sampledata.SampleData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Transfer learning from a PyTorch model: a small CNN that PyTorch trained on the digits 0 to 4 (an
 * ONNX file from the sample-data module) is imported, checked on those digits, cut after its
 * convolutional base and given a new head for all ten digits; the base is frozen and the head
 * fine-tuned on Spark data by the Estimator's workers; the result is exported to ONNX and run in
 * ONNX Runtime, which must give the engine's outputs.
 *
 * <pre>bin/orca-run examples dev.orca.examples.TransferLearningExample [--epochs 15] ...</pre>
 */
public final class TransferLearningExample {
  /** The ONNX node where the imported CNN's convolutional base ends (its Flatten). */
  static final String BASE_END = "/features/features.6/Flatten";

  private TransferLearningExample() {}

  public static void main(String[] args) {
    options().runMain(TransferLearningExample.class, args, TransferLearningExample::run);
  }

  static ExampleArgs options() {
    return ExampleArgs.of("transfer-learning")
        .withTraining()
        .option("epochs", "15", "epochs of fine-tuning the new head")
        .option("batch", "64", "global batch size (over all workers)");
  }

  /** Runs the example with these options (see {@link #options()}) and returns its figures. */
  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    Map<String, Double> figures = new LinkedHashMap<>();
    List<Path> charts = new ArrayList<>();
    try (OrcaContext orca = opts.startContext()) {
      Dataset<Row> digits = DigitsExample.load(orca, SampleData.DIGITS.copyTo(out.dir()));
      List<Dataset<Row>> parts = heldOutAsInPyTorch(digits);
      int workers = opts.integer("workers");
      Dataset<Row> trainDf = parts.get(0).repartition(workers).cache();
      Dataset<Row> testDf = parts.get(1).repartition(workers).cache();
      XShards train = XShards.fromDataFrame(trainDf, List.of("pixels"), List.of("label")).cache();
      XShards test = XShards.fromDataFrame(testDf, List.of("pixels"), List.of("label")).cache();
      XShards testLow =
          XShards.fromDataFrame(
                  testDf.where(col("label").lt(5)), List.of("pixels"), List.of("label"))
              .cache();
      try {
        // 1. the PyTorch model, imported: layers named after its ONNX nodes
        Path onnx = SampleData.DIGITS_0_TO_4_CNN.copyTo(out.dir());
        Model imported = OnnxImporter.from(onnx).optSeed(opts.seed()).build();
        System.out.println("== imported from " + onnx.getFileName() + "\n" + imported.summary());
        // 2. its base with a new head of ten classes (the cut keeps the base's weights)
        GraphModel g = imported.cutAt(BASE_END);
        GraphModel.Node h = g.apply(new Dense(32).named("head/dense"), g.node(BASE_END));
        h = g.apply(new ReLU().named("head/relu"), h);
        Model tuned = g.optSeed(opts.seed()).build(g.apply(new Dense(10).named("head/classes"), h));
        tuned.freezeUpTo(BASE_END);
        System.out.println("== its base, frozen, with a new head\n" + tuned.summary());
        figures.put("imported_accuracy_0to4", importedAccuracy(imported, testLow, opts));
        float[] before = new float[tuned.parameterCount()];
        tuned.parameters().get(0, before);
        int[] trains = tuned.trainableRanges().clone();

        // 3. fine-tuning on Spark data by the Estimator's workers
        try (Estimator est =
            Estimator.builder()
                .setModel(tuned)
                .setLoss(Loss.sparseCategoricalCrossEntropy())
                .setOptimizer(new Adam(3e-3))
                .optMetrics(Metric.accuracy())
                .optBackend(opts.backend())
                .optWorkers(workers)
                .build()) {
          TrainingHistory history =
              est.fit(
                  train,
                  FitConfig.builder()
                      .setEpochs(opts.integer("epochs"))
                      .setBatchSize(opts.integer("batch"))
                      .optSeed(opts.seed())
                      .optValidation(test)
                      .build());
          charts.add(
              out.history("transfer", "New head on a frozen PyTorch base", history, "accuracy"));
          Map<String, Double> evaluated = est.evaluate(test);
          Model trained = est.getModel();
          figures.put("accuracy", evaluated.get("accuracy"));
          figures.put("frozen_weights_changed", (double) changedOutside(trains, before, trained));
          System.out.printf(
              Locale.ROOT,
              "fine-tuned on %d workers: test loss %.4f, accuracy %.4f on all ten digits;"
                  + " %.0f of the frozen base's weights changed%n",
              workers,
              evaluated.get("loss"),
              evaluated.get("accuracy"),
              figures.get("frozen_weights_changed"));

          // 4. exported to ONNX, run in ONNX Runtime on the test images
          Path exported = out.file("digits-finetuned.onnx");
          OnnxExporter.write(trained, exported);
          checkInOnnxRuntime(trained, exported, testDf, figures);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        train.uncache();
        test.uncache();
        testLow.uncache();
      }
    }
    String line =
        String.format(
            Locale.ROOT,
            "transfer learning: imported PyTorch CNN %.3f on digits 0-4; base frozen (%.0f weights"
                + " changed), new head %.3f on all ten digits; exported ONNX in ONNX Runtime: %s",
            figures.get("imported_accuracy_0to4"),
            figures.get("frozen_weights_changed"),
            figures.get("accuracy"),
            figures.get("ort_checked") == 1.0
                ? String.format(
                    Locale.ROOT,
                    "accuracy %.3f, max difference %.1e",
                    figures.get("ort_accuracy"),
                    figures.get("ort_max_difference"))
                : "not checked (no ONNX Runtime on the classpath)");
    return new ExampleResult(line, figures, charts);
  }

  /**
   * [train, test] as the script that trained the PyTorch model split them: the last 20 % of each
   * class's rows in the file's order are held out, so that the test images are new to the base too.
   * (The file is gzipped: Spark reads it as one partition, in order.)
   */
  static List<Dataset<Row>> heldOutAsInPyTorch(Dataset<Row> digits) {
    Dataset<Row> ranked =
        digits
            .withColumn("row", monotonically_increasing_id())
            .withColumn("rank", row_number().over(Window.partitionBy("label").orderBy("row")))
            .withColumn("n", count(lit(1)).over(Window.partitionBy("label")));
    Column train = col("rank").leq(round(col("n").multiply(0.8)));
    return List.of(
        ranked.where(train).select("pixels", "label"),
        ranked.where(not(train)).select("pixels", "label"));
  }

  /** The imported model's accuracy on the test digits 0 to 4, scored where they lie. */
  private static double importedAccuracy(Model imported, XShards testLow, ExampleArgs opts) {
    try (Estimator est =
        Estimator.builder()
            .setModel(imported)
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(1e-3))
            .optMetrics(Metric.accuracy())
            .optBackend(opts.backend())
            .build()) {
      double accuracy = est.evaluate(testLow).get("accuracy");
      System.out.printf(
          Locale.ROOT, "the imported CNN on the test digits 0-4: accuracy %.4f%n", accuracy);
      return accuracy;
    }
  }

  /** How many parameters outside the trainable ranges differ from {@code before}, bit for bit. */
  private static int changedOutside(int[] trainable, float[] before, Model trained) {
    float[] after = new float[trained.parameterCount()];
    trained.parameters().get(0, after);
    int changed = 0;
    int k = 0;
    for (int i = 0; i < after.length; i++) {
      while (k < trainable.length && i >= trainable[k + 1]) {
        k += 2;
      }
      boolean trains = k < trainable.length && i >= trainable[k];
      if (!trains && Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
        changed++;
      }
    }
    return changed;
  }

  /**
   * Runs the exported model in ONNX Runtime on the test images and compares with the engine's
   * outputs; adds the figures {@code ort_checked}, {@code ort_max_difference}, {@code
   * ort_accuracy}.
   */
  private static void checkInOnnxRuntime(
      Model trained, Path exported, Dataset<Row> testDf, Map<String, Double> figures) {
    if (!OnnxRuntimeCheck.available()) {
      System.out.println(
          "ONNX Runtime is not on the classpath (the application jar leaves it out): add"
              + " com.microsoft.onnxruntime:onnxruntime to check "
              + exported);
      figures.put("ort_checked", 0.0);
      return;
    }
    List<Row> rows = testDf.collectAsList();
    int n = rows.size();
    float[] pixels = new float[n * 64];
    float[] labels = new float[n];
    for (int r = 0; r < n; r++) {
      List<Float> p = rows.get(r).getList(0);
      for (int i = 0; i < 64; i++) {
        pixels[r * 64 + i] = p.get(i);
      }
      labels[r] = rows.get(r).getFloat(1);
    }
    float[] engine;
    try (Tensor x = Tensor.of(pixels, n, 1, 8, 8);
        Tensor y = trained.predict(x)) {
      engine = y.toArray();
    }
    float[] ort;
    try {
      ort =
          OnnxRuntimeCheck.run(
              exported, trained.inputNames().get(0), pixels, new long[] {n, 1, 8, 8});
    } catch (ai.onnxruntime.OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot run " + exported + ": " + e, e);
    }
    double maxDifference = 0;
    int correct = 0;
    for (int r = 0; r < n; r++) {
      int best = 0;
      for (int c = 0; c < 10; c++) {
        maxDifference = Math.max(maxDifference, Math.abs(engine[r * 10 + c] - ort[r * 10 + c]));
        if (ort[r * 10 + c] > ort[r * 10 + best]) {
          best = c;
        }
      }
      correct += best == (int) labels[r] ? 1 : 0;
    }
    figures.put("ort_checked", 1.0);
    figures.put("ort_max_difference", maxDifference);
    figures.put("ort_accuracy", correct / (double) n);
    System.out.printf(
        Locale.ROOT,
        "%s in ONNX Runtime: %d test images, accuracy %.4f, max |ONNX Runtime - engine| %.2e%n",
        exported.getFileName(),
        n,
        correct / (double) n,
        maxDifference);
  }
}

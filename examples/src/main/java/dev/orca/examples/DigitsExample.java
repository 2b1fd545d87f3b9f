package dev.orca.examples;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import dev.orca.nn.optim.Optimizer;
import dev.orca.nn.optim.Sgd;
import dev.orca.sampledata.SampleData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The quick start: handwritten digits (UCI, 8x8 pixels). Spark reads the CSV and scales the pixels,
 * a stratified 80/20 split gives training and test data, two workers train an MLP and a small CNN,
 * the test split is evaluated and predicted, and the models are saved, loaded again and shown to
 * predict exactly the same.
 *
 * <pre>bin/orca-run examples dev.orca.examples.DigitsExample [--epochs 40] [--out DIR] ...</pre>
 */
public final class DigitsExample {
  private DigitsExample() {}

  public static void main(String[] args) {
    options().runMain(DigitsExample.class, args, DigitsExample::run);
  }

  /** Runs the example with these options (see {@link #options()}) and returns its figures. */
  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    try (OrcaContext orca = opts.startContext()) {
      // Spark reads paths: the data set comes out of the sample-data jar into the output folder
      Dataset<Row> digits = load(orca, SampleData.DIGITS.copyTo(out.dir()));
      List<Dataset<Row>> parts =
          StratifiedSplit.split(digits, "label", new double[] {0.8, 0.2}, opts.seed());
      // as many partitions as workers: each worker then takes its partition where it lies
      int workers = opts.integer("workers");
      Dataset<Row> trainDf = parts.get(0).repartition(workers).cache();
      Dataset<Row> testDf =
          parts.get(1).withColumn("id", monotonically_increasing_id()).repartition(workers).cache();
      System.out.printf(
          Locale.ROOT, "digits: %d training rows, %d test rows%n", trainDf.count(), testDf.count());
      XShards train = XShards.fromDataFrame(trainDf, List.of("pixels"), List.of("label")).cache();
      XShards test = XShards.fromDataFrame(testDf, List.of("pixels"), List.of("label")).cache();
      try {
        Map<String, Double> figures = new LinkedHashMap<>();
        List<Path> charts = new ArrayList<>();
        Model mlp =
            new Sequential(64)
                .add(new Dense(128))
                .add(new ReLU())
                .add(new Dense(64))
                .add(new ReLU())
                .add(new Dense(10))
                .optSeed(opts.seed())
                .build();
        trainAndCheck(
            "mlp",
            "MLP",
            mlp,
            new Adam(2e-3),
            opts.integer("epochs"),
            train,
            test,
            testDf,
            opts,
            out,
            figures,
            charts);
        Model cnn =
            new Sequential(8, 8, 1)
                .add(new Conv2D(16, 3))
                .add(new ReLU())
                .add(new Conv2D(32, 3))
                .add(new ReLU())
                .add(new MaxPool2D(2))
                .add(new Flatten())
                .add(new Dense(64))
                .add(new ReLU())
                .add(new Dense(10))
                .optSeed(opts.seed())
                .build();
        trainAndCheck(
            "cnn",
            "CNN",
            cnn,
            new Sgd(0.05, 0.9),
            opts.integer("cnn-epochs"),
            train,
            test,
            testDf,
            opts,
            out,
            figures,
            charts);
        String line =
            String.format(
                Locale.ROOT,
                "digits test accuracy MLP=%.3f CNN=%.3f; reloaded models predict"
                    + " the same (max difference %.1e)",
                figures.get("mlp_accuracy"),
                figures.get("cnn_accuracy"),
                Math.max(
                    figures.get("mlp_reload_difference"), figures.get("cnn_reload_difference")));
        return new ExampleResult(line, figures, charts);
      } finally {
        train.uncache();
        test.uncache();
      }
    }
  }

  static ExampleArgs options() {
    return ExampleArgs.of("digits")
        .withTraining()
        .option("epochs", "40", "epochs of the MLP")
        .option("cnn-epochs", "15", "epochs of the CNN")
        .option("batch", "64", "global batch size (over all workers)");
  }

  /** 64 pixel columns scaled from 0..16 to [0, 1] into one array column, and the label. */
  static Dataset<Row> load(OrcaContext orca, Path csv) {
    StructType schema = new StructType();
    List<Column> pixels = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      schema = schema.add("p" + i, DataTypes.FloatType);
      pixels.add(col("p" + i).divide(16f).cast(DataTypes.FloatType));
    }
    schema = schema.add("label", DataTypes.FloatType);
    return orca.spark()
        .read()
        .schema(schema)
        .option("mode", "FAILFAST")
        .csv(csv.toString())
        .select(array(pixels.toArray(Column[]::new)).as("pixels"), col("label"));
  }

  /**
   * Trains, evaluates, predicts, saves, reloads and predicts again; adds the figures of {@code
   * run}.
   */
  private static void trainAndCheck(
      String run,
      String title,
      Model model,
      Optimizer optimizer,
      int epochs,
      XShards train,
      XShards test,
      Dataset<Row> testDf,
      ExampleArgs opts,
      ExampleOutput out,
      Map<String, Double> figures,
      List<Path> charts) {
    System.out.println("== " + title + "\n" + model.summary());
    String saved = out.file(run + "-estimator").toString();
    Dataset<Row> first;
    try (Estimator est =
        Estimator.builder()
            .setModel(model)
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(optimizer)
            .optMetrics(Metric.accuracy())
            .optBackend(opts.backend())
            .optWorkers(opts.integer("workers"))
            .build()) {
      TrainingHistory history =
          est.fit(
              train,
              FitConfig.builder()
                  .setEpochs(epochs)
                  .setBatchSize(opts.integer("batch"))
                  .optSeed(opts.seed())
                  .optValidation(test)
                  .build());
      charts.add(out.history(run, title + " on digits", history, "accuracy"));
      Map<String, Double> evaluated = est.evaluate(test);
      first = predictedClasses(est, testDf).cache();
      double predictedAccuracy =
          first.selectExpr("avg(cast(class = label as double))").first().getDouble(0);
      System.out.printf(
          Locale.ROOT,
          "%s: test loss %.4f, accuracy %.4f (evaluate), %.4f (from predict)%n",
          title,
          evaluated.get("loss"),
          evaluated.get("accuracy"),
          predictedAccuracy);
      figures.put(run + "_accuracy", evaluated.get("accuracy"));
      figures.put(run + "_predict_accuracy", predictedAccuracy);
      est.save(saved);
    }
    try (Estimator reloaded = Estimator.load(saved)) {
      Dataset<Row> again = predictedClasses(reloaded, testDf);
      Row cmp =
          first
              .alias("a")
              .join(again.alias("b"), "id")
              .selectExpr(
                  "max(array_max(zip_with(a.prediction, b.prediction, (x, y) -> abs(x - y))))",
                  "sum(cast(a.class != b.class as int))",
                  "count(*)")
              .first();
      System.out.printf(
          Locale.ROOT,
          "%s reloaded from %s: %d of %d test predictions differ, max difference %.2e%n",
          title,
          saved,
          cmp.getLong(1),
          cmp.getLong(2),
          cmp.getFloat(0));
      figures.put(run + "_reload_difference", (double) cmp.getFloat(0));
      figures.put(run + "_reload_changed_classes", (double) cmp.getLong(1));
    } finally {
      first.unpersist();
    }
  }

  /**
   * The test rows with the model's scores ({@code prediction}) and the class it picks ({@code
   * class}).
   */
  private static Dataset<Row> predictedClasses(Estimator est, Dataset<Row> testDf) {
    return est.predict(testDf, List.of("pixels"))
        .withColumn(
            "class", expr("cast(array_position(prediction, array_max(prediction)) - 1 as float)"))
        .select("id", "label", "prediction", "class");
  }
}

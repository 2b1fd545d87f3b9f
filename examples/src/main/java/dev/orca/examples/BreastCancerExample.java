package dev.orca.examples;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.EarlyStopping;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.metrics.Precision;
import dev.orca.nn.metrics.Recall;
import dev.orca.nn.metrics.RocAuc;
import dev.orca.nn.optim.Adam;
import dev.orca.sampledata.SampleData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Binary classification of tabular data in the style of fraud detection, on the Wisconsin
 * diagnostic breast cancer data: malignant (the rarer class, 37 %) is the positive class. The
 * features are engineered in Spark SQL (a stratified train/validation/test split, standardisation
 * with the training part's statistics), the loss weighs the classes so the rare one counts as much,
 * early stopping watches the validation loss, and the test split gives ROC AUC, precision and
 * recall, from {@code evaluate} and again from {@code predict}.
 *
 * <pre>
 * bin/orca-run examples dev.orca.examples.BreastCancerExample [--backend ray] [--epochs 80] ...
 * </pre>
 */
public final class BreastCancerExample {
  /**
   * The 30 measurements, in the file's order: mean, standard error and worst of ten cell-nucleus
   * features.
   */
  static final List<String> FEATURES = featureNames();

  private BreastCancerExample() {}

  public static void main(String[] args) {
    options().runMain(BreastCancerExample.class, args, BreastCancerExample::run);
  }

  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    int workers = opts.integer("workers");
    try (OrcaContext orca = opts.startContext()) {
      SparkSession spark = orca.spark();
      // Spark reads paths: the data set comes out of the sample-data jar into the output folder
      load(spark, SampleData.BREAST_CANCER.copyTo(out.dir())).createOrReplaceTempView("cells");
      // the positive class is the rare one, as fraud would be
      Dataset<Row> labelled =
          spark.sql("SELECT *, CAST(1 - diagnosis AS FLOAT) AS malignant FROM cells");
      List<Dataset<Row>> parts =
          StratifiedSplit.split(labelled, "malignant", new double[] {0.6, 0.2, 0.2}, opts.seed());
      parts.get(0).createOrReplaceTempView("train_raw");
      String standardised = standardisation(spark);
      List<Dataset<Row>> sets = new ArrayList<>();
      for (Dataset<Row> part : parts) {
        part.createOrReplaceTempView("part");
        sets.add(
            spark
                .sql("SELECT " + standardised + ", malignant FROM part")
                .repartition(workers)
                .cache());
      }
      Row counts = spark.sql("SELECT count(*), sum(malignant) FROM train_raw").first();
      long rows = counts.getLong(0);
      long positives = (long) counts.getDouble(1);
      System.out.printf(
          Locale.ROOT,
          "breast cancer: %d training rows (%d malignant), %d validation, %d test%n",
          rows,
          positives,
          sets.get(1).count(),
          sets.get(2).count());
      ClassWeightedBinaryCrossEntropy loss =
          ClassWeightedBinaryCrossEntropy.balanced(positives, rows);
      System.out.printf(
          Locale.ROOT,
          "class weights: malignant %.3f, benign %.3f%n",
          loss.positiveWeight(),
          loss.negativeWeight());
      XShards train = XShards.fromDataFrame(sets.get(0), FEATURES, List.of("malignant")).cache();
      XShards validation =
          XShards.fromDataFrame(sets.get(1), FEATURES, List.of("malignant")).cache();
      XShards test = XShards.fromDataFrame(sets.get(2), FEATURES, List.of("malignant")).cache();
      try (Estimator est =
          Estimator.builder()
              .setModel(
                  new Sequential(FEATURES.size())
                      .add(new Dense(32))
                      .add(new ReLU())
                      .add(new Dropout(0.2f))
                      .add(new Dense(16))
                      .add(new ReLU())
                      .add(new Dense(1))
                      .optSeed(opts.seed())
                      .build())
              // the model gives logits: a score above 0 is a probability above 0.5
              .setLoss(loss)
              .setOptimizer(new Adam(1e-3))
              .optMetrics(new RocAuc(200, true), new Precision(0f), new Recall(0f))
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
                    .optValidation(validation)
                    .optEarlyStopping(EarlyStopping.of("val_loss", opts.integer("patience")))
                    .build());
        System.out.println("training: " + history.stoppedBecause());
        var chart = out.history("mlp", "Breast cancer MLP", history, "auc");
        Map<String, Double> evaluated = est.evaluate(test);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("auc", evaluated.get("auc"));
        figures.put("precision", evaluated.get("precision"));
        figures.put("recall", evaluated.get("recall"));
        figures.put("epochs", (double) history.epochs().size());
        confusion(est, sets.get(2), figures);
        String line =
            String.format(
                Locale.ROOT,
                "breast-cancer test ROC AUC=%.3f precision=%.3f recall=%.3f"
                    + " (malignant positive; %d epochs, %s backend)",
                figures.get("auc"),
                figures.get("precision"),
                figures.get("recall"),
                history.epochs().size(),
                est.backend().name().toLowerCase(Locale.ROOT));
        return new ExampleResult(line, figures, List.of(chart));
      } finally {
        train.uncache();
        validation.uncache();
        test.uncache();
        sets.forEach(Dataset::unpersist);
      }
    }
  }

  static ExampleArgs options() {
    return ExampleArgs.of("breast-cancer")
        .withTraining()
        .option("epochs", "150", "most epochs (early stopping usually ends sooner)")
        .option("patience", "15", "epochs without a better validation loss before stopping")
        .option("batch", "32", "global batch size");
  }

  private static Dataset<Row> load(SparkSession spark, Path csv) {
    StructType schema = new StructType();
    for (String f : FEATURES) {
      schema = schema.add(f, DataTypes.DoubleType);
    }
    schema = schema.add("diagnosis", DataTypes.IntegerType); // 0 malignant, 1 benign
    // the first line describes the file ("569,30,malignant,benign"); every other line is a row
    Dataset<String> lines =
        spark
            .read()
            .textFile(csv.toString())
            .filter((FilterFunction<String>) line -> !line.matches("\\d+,\\d+,malignant,benign"));
    return spark.read().schema(schema).option("mode", "FAILFAST").csv(lines);
  }

  /**
   * The SELECT list that standardises every feature with the mean and standard deviation of the
   * training part (never of the data it is applied to: that would leak the test split).
   */
  private static String standardisation(SparkSession spark) {
    StringBuilder stats = new StringBuilder("SELECT ");
    for (String f : FEATURES) {
      stats
          .append(stats.length() > 7 ? ", " : "")
          .append("avg(")
          .append(f)
          .append("), stddev_pop(")
          .append(f)
          .append(')');
    }
    Row s = spark.sql(stats + " FROM train_raw").first();
    StringBuilder select = new StringBuilder();
    for (int i = 0; i < FEATURES.size(); i++) {
      String f = FEATURES.get(i);
      double sd = s.getDouble(2 * i + 1);
      select
          .append(i == 0 ? "" : ", ")
          .append(
              String.format(
                  Locale.ROOT,
                  "CAST((%s - %s) / %s AS FLOAT) AS %s",
                  f,
                  s.getDouble(2 * i),
                  sd > 0 ? sd : 1.0,
                  f));
    }
    return select.toString();
  }

  /**
   * The test split predicted, and its confusion matrix counted in Spark; adds the matrix to the
   * figures.
   */
  private static void confusion(Estimator est, Dataset<Row> test, Map<String, Double> figures) {
    est.predict(test, FEATURES).createOrReplaceTempView("scored");
    Row m =
        test.sparkSession()
            .sql(
                "SELECT"
                    + " count_if(prediction > 0 AND malignant = 1), count_if(prediction > 0 AND malignant = 0),"
                    + " count_if(prediction <= 0 AND malignant = 1), count_if(prediction <= 0 AND malignant = 0)"
                    + " FROM scored")
            .first();
    long tp = m.getLong(0);
    long fp = m.getLong(1);
    long fn = m.getLong(2);
    long tn = m.getLong(3);
    System.out.printf(
        Locale.ROOT,
        "test predictions:      malignant  benign%n  called malignant    %5d   %5d%n"
            + "  called benign       %5d   %5d%n",
        tp,
        fp,
        fn,
        tn);
    figures.put("predict_precision", tp + fp == 0 ? 0 : tp / (double) (tp + fp));
    figures.put("predict_recall", tp + fn == 0 ? 0 : tp / (double) (tp + fn));
  }

  private static List<String> featureNames() {
    String[] base = {
      "radius",
      "texture",
      "perimeter",
      "area",
      "smoothness",
      "compactness",
      "concavity",
      "concave_points",
      "symmetry",
      "fractal_dimension"
    };
    List<String> names = new ArrayList<>();
    for (String kind : new String[] {"mean_%s", "%s_error", "worst_%s"}) {
      for (String b : base) {
        names.add(String.format(kind, b));
      }
    }
    return List.copyOf(names);
  }
}

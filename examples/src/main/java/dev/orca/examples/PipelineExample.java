package dev.orca.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.when;

import dev.orca.context.OrcaContext;
import dev.orca.estimator.TrainingHistory;
import dev.orca.ml.Architectures;
import dev.orca.ml.NNClassificationModel;
import dev.orca.ml.NNClassifier;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.ReLU;
import dev.orca.sampledata.SampleData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The breast cancer diagnosis as a Spark ML user writes it: {@code StringIndexer} on the diagnosis,
 * {@code VectorAssembler} and {@code StandardScaler} on the 30 measurements, Orca's {@code
 * NNClassifier} (an MLP, one logit, trained data-parallel by Orca's workers, with a validation
 * column and early stopping), the learning rate chosen by {@code CrossValidator}, Spark's
 * evaluators on the test split, and the chosen pipeline saved, reloaded and used again.
 *
 * <pre>
 * bin/orca-run examples dev.orca.examples.PipelineExample [--backend ray] [--epochs 60] ...
 * </pre>
 */
public final class PipelineExample {
  static final String ARCHITECTURE = "breast-cancer-mlp";

  private PipelineExample() {}

  public static void main(String[] args) {
    options().runMain(PipelineExample.class, args, PipelineExample::run);
  }

  static ExampleArgs options() {
    return ExampleArgs.of("pipeline")
        .withTraining()
        .option("epochs", "60", "most epochs of each fit (early stopping usually ends sooner)")
        .option("patience", "8", "epochs without a better validation loss before stopping")
        .option("batch", "32", "global batch size")
        .option("rates", "0.0003,0.003", "learning rates CrossValidator chooses from (2 folds)");
  }

  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    long seed = opts.seed();
    // the network, by name: a param grid could choose among several
    Architectures.register(
        ARCHITECTURE,
        (inputs, outputs, s) ->
            new Sequential(inputs)
                .add(new Dense(32))
                .add(new ReLU())
                .add(new Dropout(0.2f))
                .add(new Dense(16))
                .add(new ReLU())
                .add(new Dense(1)) // one logit: rawPrediction [-z, z], probability by sigmoid
                .optSeed(s)
                .build());
    try (OrcaContext orca = OrcaContext.init()) {
      SparkSession spark = orca.spark();
      Dataset<Row> cells =
          BreastCancerExample.load(spark, SampleData.BREAST_CANCER.copyTo(out.dir()))
              .withColumn(
                  "diagnosis", when(col("diagnosis").equalTo(0), "malignant").otherwise("benign"))
              .withColumn("id", monotonically_increasing_id());
      List<Dataset<Row>> parts =
          StratifiedSplit.split(cells, "diagnosis", new double[] {0.8, 0.2}, seed);
      int workers = opts.integer("workers");
      // a fifth of the training rows validate each epoch (early stopping watches their loss)
      Dataset<Row> train =
          parts
              .get(0)
              .withColumn("validation", rand(seed + 1).lt(0.2))
              .repartition(workers)
              .cache();
      Dataset<Row> test = parts.get(1).repartition(workers).cache();
      System.out.printf(
          Locale.ROOT, "breast cancer: %d training rows, %d test%n", train.count(), test.count());

      NNClassifier nn =
          new NNClassifier()
              .setArchitecture(ARCHITECTURE)
              .setMaxEpoch(opts.integer("epochs"))
              .setBatchSize(opts.integer("batch"))
              .setValidationIndicatorCol("validation")
              .setEarlyStoppingPatience(opts.integer("patience"))
              .setSeed(seed)
              .setBackend(opts.string("backend"))
              .setWorkers(workers);
      Pipeline pipeline =
          new Pipeline()
              .setStages(
                  new PipelineStage[] {
                    // benign is the more frequent, so index 0; malignant (the positive class) 1
                    new StringIndexer().setInputCol("diagnosis").setOutputCol("label"),
                    new VectorAssembler()
                        .setInputCols(BreastCancerExample.FEATURES.toArray(String[]::new))
                        .setOutputCol("measurements"),
                    new StandardScaler()
                        .setInputCol("measurements")
                        .setOutputCol("features")
                        .setWithMean(true),
                    nn
                  });
      double[] rates = rates(opts.string("rates"));
      ParamMap[] grid = new ParamGridBuilder().addGrid(nn.learningRate(), rates).build();
      CrossValidatorModel cv =
          new CrossValidator()
              .setEstimator(pipeline)
              .setEstimatorParamMaps(grid)
              .setEvaluator(new BinaryClassificationEvaluator())
              .setNumFolds(2)
              .setSeed(seed)
              .fit(train);
      int chosen = 0;
      for (int i = 1; i < rates.length; i++) {
        chosen = cv.avgMetrics()[i] > cv.avgMetrics()[chosen] ? i : chosen;
      }
      for (int i = 0; i < rates.length; i++) {
        System.out.printf(
            Locale.ROOT,
            "cross-validation: learning rate %.4g, mean ROC AUC %.4f%s%n",
            rates[i],
            cv.avgMetrics()[i],
            i == chosen ? " (chosen)" : "");
      }
      PipelineModel best = (PipelineModel) cv.bestModel();
      NNClassificationModel network = (NNClassificationModel) best.stages()[3];
      TrainingHistory history = network.trainingHistory().orElseThrow();
      System.out.println("final fit: " + history.stoppedBecause());
      var chart = out.history("pipeline", "Breast cancer pipeline (NNClassifier)", history, "auc");

      Dataset<Row> scored = best.transform(test).cache();
      Map<String, Double> figures = new LinkedHashMap<>();
      figures.put("auc", new BinaryClassificationEvaluator().evaluate(scored));
      MulticlassClassificationEvaluator m = new MulticlassClassificationEvaluator();
      figures.put("accuracy", m.setMetricName("accuracy").evaluate(scored));
      figures.put(
          "precision", m.setMetricName("precisionByLabel").setMetricLabel(1.0).evaluate(scored));
      figures.put("recall", m.setMetricName("recallByLabel").setMetricLabel(1.0).evaluate(scored));
      figures.put("learning_rate", rates[chosen]);
      figures.put("epochs", (double) history.epochs().size());

      // the chosen pipeline, saved (params as Spark saves them, the network as an Orca model
      // file) and loaded again: it predicts the same
      String saved = out.file("pipeline-model").toAbsolutePath().toUri().toString();
      try {
        best.write().overwrite().save(saved);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot save the pipeline to " + saved, e);
      }
      Dataset<Row> again = PipelineModel.load(saved).transform(test);
      long same =
          scored
              .select("id", "probability")
              .join(again.select(col("id"), col("probability").as("reloaded")), "id")
              .where(col("probability").equalTo(col("reloaded")))
              .count();
      figures.put("reloaded_identical", same / (double) scored.count());
      System.out.println("saved the pipeline to " + saved + " and reloaded it");
      scored.unpersist();
      train.unpersist();
      test.unpersist();

      String line =
          String.format(
              Locale.ROOT,
              "pipeline test ROC AUC=%.3f accuracy=%.3f precision=%.3f recall=%.3f"
                  + " (learning rate %.4g by 2-fold cross-validation, %d epochs, %s backend;"
                  + " reloaded pipeline identical on %.0f%% of rows)",
              figures.get("auc"),
              figures.get("accuracy"),
              figures.get("precision"),
              figures.get("recall"),
              rates[chosen],
              history.epochs().size(),
              opts.string("backend"),
              100 * figures.get("reloaded_identical"));
      return new ExampleResult(line, figures, List.of(chart));
    }
  }

  private static double[] rates(String list) {
    String[] parts = list.split(",");
    double[] r = new double[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        r[i] = Double.parseDouble(parts[i].trim());
      }
    } catch (NumberFormatException e) {
      throw new ExampleArgs.BadOption(
          "pipeline: --rates must be numbers separated by commas, got '" + list + "'", null);
    }
    return r;
  }
}

package dev.orca.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.BinaryAccuracy;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.metrics.RocAuc;
import dev.orca.nn.optim.Adam;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The classifier inside Spark ML's machinery, on the breast cancer data: a pipeline of {@code
 * VectorAssembler}, {@code StandardScaler} and the classifier (one logit), Spark's evaluators on
 * its output, saving and loading the fitted pipeline, and tuning with {@code CrossValidator} and
 * {@code TrainValidationSplit}.
 */
class PipelineTest {
  private static OrcaContext orca;
  private static Dataset<Row> train;
  private static Dataset<Row> test;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    Dataset<Row>[] parts =
        BreastCancerFrames.load(orca.spark()).randomSplit(new double[] {3, 1}, 5);
    train = parts[0].repartition(2).cache();
    test = parts[1].repartition(2).cache();
  }

  @AfterAll
  static void stop() {
    train.unpersist();
    test.unpersist();
    orca.stop();
  }

  private static NNClassifier classifier(String architecture) {
    return new NNClassifier()
        .setArchitecture(architecture)
        .setMaxEpoch(15)
        .setBatchSize(32)
        .setLearningRate(5e-3)
        .setSeed(3)
        .setWorkers(2)
        .setCoresPerWorker(1);
  }

  private static Pipeline pipeline(NNClassifier nn) {
    return new Pipeline()
        .setStages(
            new PipelineStage[] {
              new VectorAssembler().setInputCols(BreastCancerFrames.FEATURES).setOutputCol("raw"),
              new StandardScaler().setInputCol("raw").setOutputCol("features"),
              nn
            });
  }

  @Test
  void aFittedPipelineIsSavedReloadedAndPredictsIdentically(@TempDir Path dir) throws Exception {
    PipelineModel fitted = pipeline(classifier(BreastCancerFrames.LOGIT)).fit(train);
    Dataset<Row> scored = fitted.transform(test);
    double auc = new BinaryClassificationEvaluator().evaluate(scored);
    assertTrue(auc > 0.97, "test ROC AUC " + auc);

    String path = dir.resolve("pipeline").toUri().toString(); // any Hadoop path: here file:
    fitted.write().save(path);
    PipelineModel reloaded = PipelineModel.load(path);
    NNClassificationModel nn = (NNClassificationModel) reloaded.stages()[2];
    assertEquals(2, nn.numClasses());
    assertEquals(30, nn.numFeatures());
    assertTrue(nn.trainingHistory().isEmpty(), "a loaded model has no history");

    List<Row> before =
        scored.orderBy("id").select("rawPrediction", "probability", "prediction").collectAsList();
    List<Row> after =
        reloaded
            .transform(test)
            .orderBy("id")
            .select("rawPrediction", "probability", "prediction")
            .collectAsList();
    assertEquals(test.count(), after.size());
    for (int i = 0; i < before.size(); i++) {
      assertArrayEquals(
          before.get(i).<Vector>getAs(0).toArray(), after.get(i).<Vector>getAs(0).toArray(), 0.0);
      assertArrayEquals(
          before.get(i).<Vector>getAs(1).toArray(), after.get(i).<Vector>getAs(1).toArray(), 0.0);
      assertEquals(before.get(i).getDouble(2), after.get(i).getDouble(2), 0.0);
    }
    // one logit z: rawPrediction [-z, z], probability [1 - sigmoid(z), sigmoid(z)]
    Vector raw = before.get(0).getAs(0);
    Vector p = before.get(0).getAs(1);
    assertEquals(-raw.apply(1), raw.apply(0), 0.0);
    assertEquals(1 / (1 + Math.exp(-raw.apply(1))), p.apply(1), 1e-12);

    // thresholds as Spark's classifiers take them: class 1 where p1 / 0.8 > p0 / 0.2, whether the
    // prediction comes from the probability or, without a probability column, from rawPrediction
    NNClassificationModel strict = nn.copy(new ParamMap()).setThresholds(new double[] {0.2, 0.8});
    Dataset<Row> scaled = scale(reloaded, test);
    List<Row> fromProbability =
        strict.transform(scaled).select("probability", "prediction").collectAsList();
    List<Row> fromRaw =
        strict.copy(new ParamMap()).setProbabilityCol("").transform(scaled).collectAsList();
    int positives = 0;
    for (int i = 0; i < fromProbability.size(); i++) {
      double p1 = fromProbability.get(i).<Vector>getAs(0).apply(1);
      double expected = p1 / 0.8 > (1 - p1) / 0.2 ? 1 : 0;
      assertEquals(expected, fromProbability.get(i).getDouble(1), 0.0, "p1 = " + p1);
      assertEquals(expected, fromRaw.get(i).<Double>getAs("prediction"), 0.0, "p1 = " + p1);
      positives += (int) expected;
    }
    assertTrue(positives > 0 && positives < fromProbability.size(), positives + " positives");
    assertFalse(List.of(fromRaw.get(0).schema().fieldNames()).contains("probability"));
  }

  @ParameterizedTest
  @ValueSource(strings = {BreastCancerFrames.LOGIT, BreastCancerFrames.TWO})
  void aBinaryLabelTrainsAsTheEstimatorDoesAndSparksEvaluatorsReadOrcasNumbers(
      String architecture) {
    boolean oneLogit = architecture.equals(BreastCancerFrames.LOGIT);
    NNClassifier nn = classifier(architecture);
    // settings handed over in a ParamMap, as CrossValidator and TrainValidationSplit hand them
    ParamMap settings = new ParamMap().put(nn.maxEpoch(), 8).put(nn.batchSize(), 64);
    PipelineModel fitted = pipeline(nn).fit(train, settings);
    Dataset<Row> scored = fitted.transform(test).orderBy("id").cache();
    MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator();
    double sparkAccuracy = multi.setMetricName("accuracy").evaluate(scored);
    double sparkLogLoss = multi.setMetricName("logLoss").evaluate(scored);
    BinaryClassificationEvaluator binary = new BinaryClassificationEvaluator().setNumBins(0);
    double sparkAuc = binary.evaluate(scored);
    // Spark ranks rows by rawPrediction[1]: the same order as by the probability of class 1
    assertEquals(sparkAuc, binary.setRawPredictionCol("probability").evaluate(scored), 1e-12);

    // the Estimator on the same scaled rows, seed, epochs and batch size
    Dataset<Row> scaledTrain = scale(fitted, train);
    Dataset<Row> scaledTest = scale(fitted, test).orderBy("id");
    try (Estimator est =
        Estimator.builder()
            .setModel(Architectures.get(architecture).build(30, 2, 3))
            .setLoss(oneLogit ? Loss.binaryCrossEntropy() : Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(5e-3))
            .optMetrics(
                oneLogit
                    ? new Metric[] {new BinaryAccuracy(0f), new RocAuc(1 << 20, true)}
                    : new Metric[] {Metric.accuracy()})
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      est.fit(
          XShards.fromDataFrame(scaledTrain, List.of("features"), List.of("label")),
          FitConfig.builder().setEpochs(8).setBatchSize(64).optSeed(3).build());
      Map<String, Double> orca = est.evaluate(scaledTest, List.of("features"), List.of("label"));
      assertEquals(orca.get(oneLogit ? "binary_accuracy" : "accuracy"), sparkAccuracy, 1e-9);
      assertEquals(orca.get("loss"), sparkLogLoss, 1e-5 * sparkLogLoss);
      if (oneLogit) {
        // 2^20 bins keep apart every two scores of this test split; Spark sorts them exactly
        assertEquals(orca.get("auc"), sparkAuc, 1e-9);
      }
      // it learned, in 8 epochs of 64-row steps (63 % of the rows are benign)
      assertTrue(sparkAccuracy > 0.85 && sparkAuc > 0.95, sparkAccuracy + ", AUC " + sparkAuc);

      // row by row: the stage's rawPrediction from the direct model's outputs
      List<Row> direct = est.predict(scaledTest, List.of("features"), "direct").collectAsList();
      List<Row> stage = scored.select("rawPrediction", "probability").collectAsList();
      assertEquals(test.count(), stage.size());
      for (int i = 0; i < stage.size(); i++) {
        double[] raw = stage.get(i).<Vector>getAs(0).toArray();
        Row d = direct.get(i);
        List<Float> logits = oneLogit ? null : d.getList(d.fieldIndex("direct"));
        double z =
            oneLogit
                ? d.<Float>getAs("direct")
                : ((double) logits.get(1) - logits.get(0)) / 2; // less their mean
        assertArrayEquals(new double[] {-z, z}, raw, 1e-5);
        double p1 = oneLogit ? 1 / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(-2 * z));
        assertArrayEquals(new double[] {1 - p1, p1}, stage.get(i).<Vector>getAs(1).toArray(), 1e-6);
      }
    }
    assertEquals(8, nn(fitted).trainingHistory().orElseThrow().epochs().size());
    scored.unpersist();
  }

  /** {@code df} through the fitted pipeline's assembler and scaler. */
  private static Dataset<Row> scale(PipelineModel fitted, Dataset<Row> df) {
    return fitted.stages()[1].transform(fitted.stages()[0].transform(df));
  }

  private static NNClassificationModel nn(PipelineModel fitted) {
    return (NNClassificationModel) fitted.stages()[2];
  }

  @Test
  void crossValidatorPicksTheLearningRateThatLearns() {
    NNClassifier nn = classifier(BreastCancerFrames.LOGIT).setMaxEpoch(6);
    double good = 1e-2;
    double bad = 1e-7; // six epochs at this rate leave the initial weights as they were
    ParamMap[] grid =
        new ParamGridBuilder().addGrid(nn.learningRate(), new double[] {bad, good}).build();
    CrossValidatorModel cv =
        new CrossValidator()
            .setEstimator(pipeline(nn))
            .setEstimatorParamMaps(grid)
            .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("logLoss"))
            .setNumFolds(2)
            .setSeed(1)
            .fit(train);
    double[] logLoss = cv.avgMetrics();
    assertTrue(
        logLoss[1] < 0.5 * logLoss[0], "log loss bad/good " + logLoss[0] + " / " + logLoss[1]);
    NNClassifier chosen = (NNClassifier) ((Pipeline) cv.getEstimator()).getStages()[2];
    PipelineModel best = (PipelineModel) cv.bestModel();
    NNClassificationModel bestNn = (NNClassificationModel) best.stages()[2];
    assertEquals(good, (Double) bestNn.parent().getOrDefault(chosen.learningRate()), 0.0);
  }

  @Test
  void trainValidationSplitSearchesArchitecturesAndEpochsAndPicksTheBest() {
    NNClassifier nn = classifier(BreastCancerFrames.LOGIT);
    ParamMap[] grid =
        new ParamGridBuilder()
            .addGrid(
                nn.architecture(),
                CollectionConverters.asScala(
                    List.of(BreastCancerFrames.LOGIT, BreastCancerFrames.TWO)))
            .addGrid(nn.maxEpoch(), new int[] {2, 4})
            .build();
    TrainValidationSplitModel tvs =
        new TrainValidationSplit()
            .setEstimator(pipeline(nn))
            .setEstimatorParamMaps(grid)
            .setEvaluator(new BinaryClassificationEvaluator())
            .setTrainRatio(0.75)
            .setSeed(2)
            .setCollectSubModels(true)
            .fit(train);
    double[] auc = tvs.validationMetrics();
    int best = 0;
    for (int i = 0; i < grid.length; i++) {
      assertTrue(auc[i] > 0.9, "validation AUC " + Arrays.toString(auc));
      best = auc[i] > auc[best] ? i : best;
      // each candidate got its own settings: its builder's network (one logit, or one output
      // per class) and its number of epochs
      NNClassificationModel m = nn((PipelineModel) tvs.subModels()[i]);
      try (Model net = Model.fromBytes(m.network(), Engine.create(1))) {
        int outputs = grid[i].apply(nn.architecture()).equals(BreastCancerFrames.LOGIT) ? 1 : 2;
        assertEquals(outputs, net.outputShapes()[0].size(), grid[i].toString());
      }
      assertEquals(
          (int) (Integer) grid[i].apply(nn.maxEpoch()),
          m.trainingHistory().orElseThrow().epochs().size(),
          grid[i].toString());
    }
    // the model kept is the best candidate's settings, refitted on all the rows
    NNClassifier chosen = (NNClassifier) nn((PipelineModel) tvs.bestModel()).parent();
    assertEquals(grid[best].apply(nn.architecture()), chosen.getArchitecture());
    assertEquals((int) (Integer) grid[best].apply(nn.maxEpoch()), chosen.getMaxEpoch());
    assertEquals(
        chosen.getMaxEpoch(),
        nn((PipelineModel) tvs.bestModel()).trainingHistory().orElseThrow().epochs().size());
  }
}

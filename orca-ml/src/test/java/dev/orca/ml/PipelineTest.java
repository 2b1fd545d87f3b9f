package dev.orca.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.estimator.Estimator;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import java.nio.file.Path;
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
  }

  @Test
  void sparksEvaluatorsReadTheNumbersOrcaComputes() {
    PipelineModel fitted = pipeline(classifier(BreastCancerFrames.LOGIT)).fit(train);
    Dataset<Row> scored = fitted.transform(test);
    double sparkAccuracy =
        new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
    double sparkAuc = new BinaryClassificationEvaluator().evaluate(scored);

    // Orca's own metrics, with the same network, on the same scaled test rows
    NNClassificationModel nn = (NNClassificationModel) fitted.stages()[2];
    Dataset<Row> scaled = scored.select("features", "label");
    try (Estimator est =
        Estimator.builder()
            .setModel(Model.fromBytes(nn.network(), Engine.create(1)))
            .optWorkers(1)
            .optCoresPerWorker(1)
            .build()) {
      Map<String, Double> orcaMetrics = est.evaluate(scaled, List.of("features"), List.of("label"));
      assertEquals(orcaMetrics.get("binary_accuracy"), sparkAccuracy, 1e-9);
      // Orca's AUC counts scores in 200 bins; Spark's sorts them exactly
      assertEquals(orcaMetrics.get("auc"), sparkAuc, 0.005);
    }
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
  void trainValidationSplitChoosesAmongArchitecturesByName() {
    NNClassifier nn = classifier(BreastCancerFrames.LOGIT).setMaxEpoch(4);
    ParamMap[] grid =
        new ParamGridBuilder()
            .addGrid(
                nn.architecture(),
                CollectionConverters.asScala(
                    List.of(BreastCancerFrames.LOGIT, BreastCancerFrames.TWO)))
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
    assertTrue(auc[0] > 0.9 && auc[1] > 0.9, "validation AUC " + auc[0] + ", " + auc[1]);
    // each candidate got its own builder's network: one logit, then one output per class
    int[] outputs = new int[2];
    for (int i = 0; i < 2; i++) {
      NNClassificationModel m =
          (NNClassificationModel) ((PipelineModel) tvs.subModels()[i]).stages()[2];
      try (Model net = Model.fromBytes(m.network(), Engine.create(1))) {
        outputs[i] = net.outputShapes()[0].size();
      }
    }
    assertArrayEquals(new int[] {1, 2}, outputs);
    NNClassificationModel best =
        (NNClassificationModel) ((PipelineModel) tvs.bestModel()).stages()[2];
    assertEquals(
        grid[auc[0] >= auc[1] ? 0 : 1].apply(nn.architecture()),
        best.parent().getOrDefault(((NNClassifier) best.parent()).architecture()));
  }
}

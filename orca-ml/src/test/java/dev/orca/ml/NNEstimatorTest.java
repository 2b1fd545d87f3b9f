package dev.orca.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.estimator.Estimator;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generic estimator: array features, a sparse ML vector label (one-hot), mean squared error,
 * and the outputs as a vector; the unfitted stage and the fitted one saved in a pipeline and
 * loaded.
 */
class NNEstimatorTest {
  private static OrcaContext orca;
  private static Dataset<Row> train;
  private static Dataset<Row> test;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    List<Dataset<Row>> parts = DigitsFrames.split(DigitsFrames.load(orca.spark()), 2, 2);
    train = parts.get(0);
    test = parts.get(1);
  }

  @AfterAll
  static void stop() {
    train.unpersist();
    test.unpersist();
    orca.stop();
  }

  @Test
  void sparseVectorLabelsTrainOneOutputEachAndTheSavedPipelinePredictsAsTheEstimator(
      @TempDir Path dir) throws Exception {
    NNEstimator nn =
        new NNEstimator()
            .setFeaturesCol("pixels")
            .setLabelCol("onehot")
            .setPredictionCol("scores")
            .setArchitecture(DigitsFrames.MLP)
            .setMaxEpoch(5)
            .setBatchSize(64)
            .setLearningRate(1e-2)
            .setWorkers(2)
            .setCoresPerWorker(1);
    Pipeline pipeline =
        new Pipeline()
            .setStages(
                new PipelineStage[] {
                  new OneHotEncoder()
                      .setInputCol("label")
                      .setOutputCol("onehot")
                      .setDropLast(false),
                  nn
                });
    // the unfitted pipeline, saved and loaded, has the same settings
    String unfitted = dir.resolve("unfitted").toUri().toString();
    pipeline.write().save(unfitted);
    NNEstimator loaded = (NNEstimator) Pipeline.load(unfitted).getStages()[1];
    assertEquals(nn.uid(), loaded.uid());
    for (org.apache.spark.ml.param.Param<?> p : nn.params()) {
      @SuppressWarnings("unchecked")
      org.apache.spark.ml.param.Param<Object> param = (org.apache.spark.ml.param.Param<Object>) p;
      assertEquals(
          param.jsonEncode(nn.getOrDefault(param)),
          param.jsonEncode(loaded.getOrDefault(loaded.getParam(p.name()))),
          p.name());
    }

    assertEquals(2, loaded.getWorkers());
    PipelineModel fitted = Pipeline.load(unfitted).fit(train);
    NNModel model = (NNModel) fitted.stages()[1];
    assertEquals(10, model.numOutputs());
    Dataset<Row> scored = fitted.transform(test);
    assertEquals(10, AttributeGroup.fromStructField(scored.schema().apply("scores")).size());

    String saved = dir.resolve("fitted").toUri().toString();
    fitted.write().save(saved);
    List<Row> reloaded =
        PipelineModel.load(saved).transform(test).select("pixels", "scores").collectAsList();
    try (Estimator est =
        Estimator.builder()
            .setModel(Model.fromBytes(model.network(), Engine.create(1)))
            .optWorkers(1)
            .optCoresPerWorker(1)
            .build()) {
      List<Row> direct =
          est.predict(test.select("pixels"), List.of("pixels"), "direct")
              .select(col("direct"))
              .collectAsList();
      int right = 0;
      List<Row> labels = test.select("label").collectAsList();
      for (int i = 0; i < direct.size(); i++) {
        double[] scores = reloaded.get(i).<Vector>getAs(1).toArray();
        List<Float> d = direct.get(i).getList(0);
        for (int k = 0; k < 10; k++) {
          assertEquals(d.get(k), scores[k], 0.0);
        }
        right += reloaded.get(i).<Vector>getAs(1).argmax() == labels.get(i).getDouble(0) ? 1 : 0;
      }
      assertTrue(right > 0.85 * direct.size(), right + " of " + direct.size() + " right");
    }
  }

  @Test
  void copyWithExtraParamsChangesOnlyTheCopy() {
    NNEstimator nn = new NNEstimator().setLearningRate(0.1).setArchitecture(DigitsFrames.MLP);
    NNEstimator copy =
        nn.copy(new org.apache.spark.ml.param.ParamMap().put(nn.learningRate(), 0.5));
    assertEquals(0.5, copy.getLearningRate(), 0.0);
    assertEquals(0.1, nn.getLearningRate(), 0.0);
    assertEquals(nn.uid(), copy.uid());
    assertEquals(DigitsFrames.MLP, copy.getArchitecture());
    assertArrayEquals(new String[0], copy.getFeaturesCols());
  }
}

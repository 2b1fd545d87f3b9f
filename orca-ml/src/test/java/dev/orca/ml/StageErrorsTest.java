package dev.orca.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.context.OrcaContext;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import java.util.Arrays;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Wrong columns fail before any work with Orca's usual errors, naming the column, the columns there
 * are, and what to do; so do a missing architecture and a network that does not fit the labels.
 */
class StageErrorsTest {
  private static OrcaContext orca;
  private static Dataset<Row> digits;
  private static NNClassificationModel model;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
    digits = DigitsFrames.load(orca.spark()).limit(200).repartition(2).cache();
    model =
        NNClassifierTest.classifier().setMaxEpoch(1).fit(digits.withColumn("name", lit("digit")));
  }

  @AfterAll
  static void stop() {
    digits.unpersist();
    orca.stop();
  }

  @Test
  void aMissingOrMistypedColumnFailsNamingItBeforeAnyJob() {
    NNClassifier nn = NNClassifierTest.classifier();
    Dataset<Row> named = digits.withColumn("name", lit("digit"));
    assertFailsBeforeAnyJob(
        () -> nn.copy(new org.apache.spark.ml.param.ParamMap()).setFeaturesCol("pixel").fit(named),
        "feature column 'pixel' is not in the data; its columns are [pixels, label, features,");
    assertFailsBeforeAnyJob(
        () -> NNClassifierTest.classifier().setFeaturesCol("name").fit(named),
        "feature column 'name' has type string; feature and label columns must be numbers");
    assertFailsBeforeAnyJob(
        () -> NNClassifierTest.classifier().setLabelCol("digit").fit(named),
        "label column 'digit' is not in the data; its columns are [pixels, label,");
    assertFailsBeforeAnyJob(
        () -> NNClassifierTest.classifier().setLabelCol("name").fit(named),
        "label column 'name' has type string; a classifier needs one number per row");
    assertFailsBeforeAnyJob(
        () -> NNClassifierTest.classifier().setLabelCol("pixels").fit(named),
        "label column 'pixels' has type array<float>; a classifier needs one number per row");
    assertFailsBeforeAnyJob(
        () ->
            NNClassifierTest.classifier()
                .setFeaturesCol("features")
                .setFeaturesCols("p0", "p1")
                .fit(named),
        "both featuresCol ('features') and featuresCols ([p0, p1]) are set");
    // the model checks the same way, and refuses to overwrite a column
    assertFailsBeforeAnyJob(
        () -> model.setFeaturesCol("pixel").transform(named),
        "feature column 'pixel' is not in the data");
    model.setFeaturesCol("features");
    assertFailsBeforeAnyJob(
        () -> model.transform(named.withColumn("Probability", lit(0))),
        "the data already has a column 'Probability', and the model adds a column 'probability'"
            + " (probabilityCol); set probabilityCol to another name");
  }

  @Test
  void featuresOfAnotherWidthThanTheNetworksAreRefusedWithFitsMessage() {
    Dataset<Row> narrow =
        digits.select(
            org.apache
                .spark
                .ml
                .functions
                .array_to_vector(org.apache.spark.sql.functions.slice(col("pixels"), 1, 30))
                .as("features"),
            col("label"));
    OrcaDataException e = assertThrows(OrcaDataException.class, () -> model.transform(narrow));
    assertTrue(
        e.getMessage()
            .contains(
                "The data to predict has 30 feature values per row, but the model's input takes"
                    + " 64."),
        e.getMessage());
  }

  @Test
  void anArchitectureThatIsMissingOrDoesNotFitTheLabelsFailsSayingWhatToDo() {
    OrcaConfigurationException none =
        assertThrows(
            OrcaConfigurationException.class,
            () -> NNClassifierTest.classifier().setArchitecture("").fit(digits));
    assertTrue(
        none.getMessage().contains("no architecture chosen: register a model builder"),
        none.getMessage());
    OrcaConfigurationException unknown =
        assertThrows(
            OrcaConfigurationException.class,
            () -> NNClassifierTest.classifier().setArchitecture("resnet").fit(digits));
    assertTrue(
        unknown.getMessage().contains("no architecture 'resnet' is registered in this JVM"),
        unknown.getMessage());
    Architectures.register(
        "three-outputs",
        (inputs, outputs, seed) -> new Sequential(inputs).add(new Dense(3)).build());
    OrcaDataException misfit =
        assertThrows(
            OrcaDataException.class,
            () -> NNClassifierTest.classifier().setArchitecture("three-outputs").fit(digits));
    assertTrue(
        misfit
            .getMessage()
            .contains(
                "architecture 'three-outputs' makes a network of 3 outputs, but the labels have 10"
                    + " classes: a classifier needs one output per class"),
        misfit.getMessage());
  }

  @Test
  void labelsThatAreNotClassIndicesAreRefusedNamingAValueBeforeTraining() {
    // one logit would take 0.5 as a probability and train on it; the classifier wants classes
    OrcaDataException half =
        assertThrows(
            OrcaDataException.class,
            () ->
                NNClassifierTest.classifier()
                    .setArchitecture(BreastCancerFrames.LOGIT)
                    .fit(digits.withColumn("label", col("label").divide(18))));
    assertTrue(
        half.getMessage()
            .matches(
                "label column 'label' holds 0\\.\\d+; a classifier needs class indices 0, 1, ...,"
                    + " k-1 \\(whole numbers, as StringIndexer makes them\\).*"),
        half.getMessage());
    OrcaDataException negative =
        assertThrows(
            OrcaDataException.class,
            () ->
                NNClassifierTest.classifier()
                    .fit(digits.withColumn("label", col("label").minus(1))));
    assertTrue(
        negative.getMessage().startsWith("label column 'label' holds -1.0; a classifier needs"),
        negative.getMessage());
    OrcaDataException infinite =
        assertThrows(
            OrcaDataException.class,
            () ->
                NNClassifierTest.classifier()
                    .fit(
                        digits.withColumn(
                            "label",
                            when(col("label").equalTo(3), lit(Double.POSITIVE_INFINITY))
                                .otherwise(col("label")))));
    assertTrue(
        infinite.getMessage().startsWith("label column 'label' holds Infinity"),
        infinite.getMessage());
  }

  /** Fails with an Orca error containing {@code message}, and no Spark job ran for it. */
  private static void assertFailsBeforeAnyJob(Executable call, String message) {
    int[] jobs = {0};
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart start) {
            jobs[0]++;
          }
        };
    orca.spark().sparkContext().addSparkListener(listener);
    try {
      OrcaException e = assertThrows(OrcaException.class, call);
      assertTrue(e.getMessage().contains(message), e.getMessage());
    } finally {
      orca.spark().sparkContext().removeSparkListener(listener);
    }
    assertEquals(0, jobs[0], "jobs before the error: " + Arrays.toString(jobs));
  }
}

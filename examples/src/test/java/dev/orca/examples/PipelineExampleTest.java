package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML pipeline example at reduced size (at most 15 epochs per fit): a test ROC AUC well
 * above 0.9, the learning rate that cross-validation chose, and a reloaded pipeline that predicts
 * every row as the saved one did.
 */
class PipelineExampleTest {
  @Test
  void aPipelineWithTheNetworkIsTunedEvaluatedSavedAndReloaded(@TempDir Path out) throws Exception {
    ExampleResult r =
        PipelineExample.run("--epochs", "15", "--rates", "0.000001,0.01", "--out", out.toString());
    assertTrue(r.figure("auc") >= 0.97, "test ROC AUC " + r.figure("auc"));
    assertTrue(r.figure("accuracy") >= 0.9, "test accuracy " + r.figure("accuracy"));
    assertEquals(0.01, r.figure("learning_rate"), 0.0, "the rate that learns in 15 epochs");
    assertEquals(1.0, r.figure("reloaded_identical"), 0.0);
    assertTrue(r.figure("epochs") <= 15);
    Charts.assertAllValid(r, 2);
  }
}

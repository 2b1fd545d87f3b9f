package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tabular example at reduced size (at most 30 epochs): ROC AUC well above 0.9 on the test
 * split.
 */
class BreastCancerExampleTest {
  @Test
  void separatesMalignantFromBenign(@TempDir Path out) throws Exception {
    ExampleResult r = BreastCancerExample.run("--epochs", "30", "--out", out.toString());
    assertTrue(r.figure("auc") >= 0.97, "test ROC AUC " + r.figure("auc"));
    assertTrue(r.figure("precision") >= 0.85, "test precision " + r.figure("precision"));
    assertTrue(r.figure("recall") >= 0.85, "test recall " + r.figure("recall"));
    assertTrue(r.figure("epochs") <= 30);
    Charts.assertAllValid(r, 2);
  }
}

package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transfer-learning example at reduced size (8 epochs instead of 15): the imported PyTorch CNN
 * scores its held-out digits 0-4 as PyTorch did, the new head on its frozen base passes 90 % on all
 * ten held-out digits with the base's weights untouched, and the exported model gives the engine's
 * outputs in ONNX Runtime.
 */
class TransferLearningExampleTest {
  @Test
  void importsFreezesFineTunesExportsAndChecksInOnnxRuntime(@TempDir Path out) throws Exception {
    ExampleResult r = TransferLearningExample.run("--epochs", "8", "--out", out.toString());
    // the 180 held-out images PyTorch scored after training: 172 right there, 172 right here
    assertEquals(172 / 180.0, r.figure("imported_accuracy_0to4"), 1e-9, r.line());
    // images new to the base too (the last fifth of each class in the file's order, a harder
    // part of the digits than a random fifth): 92.5 % after 8 epochs when this was written
    assertTrue(r.figure("accuracy") >= 0.9, r.line());
    assertEquals(0.0, r.figure("frozen_weights_changed"), r.line());
    assertEquals(1.0, r.figure("ort_checked"), "ONNX Runtime is on the test classpath");
    assertTrue(r.figure("ort_max_difference") <= 1e-4, r.line());
    assertEquals(r.figure("accuracy"), r.figure("ort_accuracy"), 1e-9, r.line());
    assertTrue(Files.size(out.resolve("digits-finetuned.onnx")) > 10_000);
    assertTrue(r.line().startsWith("transfer learning: imported PyTorch CNN"), r.line());
    Charts.assertAllValid(r, 2);
  }
}

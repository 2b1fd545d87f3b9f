package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.estimator.tensorboard.EventFiles;
import dev.orca.estimator.tensorboard.proto.Event;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle example at reduced size (8 epochs, stopped after 3): the resumed fit trains epochs
 * 4 to 8, the result passes 93 %, predict's classes agree with evaluate, and the TensorBoard logs
 * of both fits read back as one run with every CRC checked.
 */
class ResumeExampleTest {
  @Test
  void stopsResumesAndLogs(@TempDir Path out) throws Exception {
    ExampleResult r =
        ResumeExample.run("--epochs", "8", "--stop-after", "3", "--out", out.toString());
    assertEquals(3, r.figure("first_epochs"));
    assertEquals(4, r.figure("resumed_from_epoch"));
    assertEquals(8, r.figure("last_epoch"));
    assertTrue(r.figure("accuracy") >= 0.93, "test accuracy " + r.figure("accuracy"));
    assertEquals(r.figure("accuracy"), r.figure("predict_accuracy"), 1e-9);
    assertTrue(r.line().startsWith("digits trained epochs 1-3, stopped, resumed epochs 4-8"));

    List<Long> epochs = new ArrayList<>();
    int histograms = 0;
    for (Path file : EventFiles.in(out.resolve("tensorboard/train"))) {
      for (Event e : EventFiles.read(file)) {
        for (var v : e.getSummary().getValueList()) {
          if (v.getTag().equals("epoch_loss")) {
            epochs.add(e.getStep());
          }
          histograms += v.hasHisto() ? 1 : 0;
        }
      }
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), epochs);
    assertEquals(8 * 6, histograms, "kernel and bias of 3 Dense layers per epoch");
    assertFalse(EventFiles.in(out.resolve("tensorboard/validation")).isEmpty());
    assertTrue(Files.exists(out.resolve("checkpoints/best.orca")));
    assertEquals(9, Files.readAllLines(out.resolve("training.csv")).size());
    Charts.assertAllValid(r, 2); // loss and accuracy
  }
}

package dev.orca.estimator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import dev.orca.estimator.internal.worker.Messages;

/** The driver's progress line: epoch, step, running loss, samples per second and time left; at most one a second. */
class ProgressPrinterTest {
  @Test
  void aReportedStepShowsLossRateAndTimeLeft() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressPrinter p = new ProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 3);
    p.epochStarted(1);
    p.stepReported(Messages.step(1, 2, 10, 512, 0.75)); // within the first second: not printed
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    Thread.sleep(1100);
    p.stepReported(Messages.step(1, 5, 10, 1280, 0.4321));
    String line = bytes.toString(StandardCharsets.UTF_8).trim();
    assertTrue(line.matches("epoch 2/3  step 5/10  loss 0\\.4321  \\d+ samples/s  \\d+\\.\\ds left"), line);
    double left = Double.parseDouble(line.replaceAll(".* (\\d+\\.\\d)s left", "$1"));
    assertTrue(left >= 1.0 && left < 3.0, "half the epoch done after about 1.1 s leaves about 1.1 s: " + line);
  }

  @Test
  void disabledPrintsNothing() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressPrinter p = new ProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 3);
    p.epochStarted(0);
    Thread.sleep(1100);
    p.step(0, 5, 10, 1280, 0.5);
    p.message("hello");
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
  }
}

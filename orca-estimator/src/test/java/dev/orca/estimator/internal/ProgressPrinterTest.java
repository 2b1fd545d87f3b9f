package dev.orca.estimator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.estimator.internal.worker.TrainingMessage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The driver's progress line: epoch, step, running loss, samples per second and time left; at most
 * one a second.
 */
class ProgressPrinterTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aReportedStepShowsLossRateAndTimeLeft() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong(5 * SECOND);
    ProgressPrinter p =
        new ProgressPrinter(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 3, now::get);
    p.epochStarted(1);
    now.addAndGet(SECOND / 2);
    p.stepReported(
        new TrainingMessage.Step(1, 2, 10, 512, 0.75)); // within the first second: not printed
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    now.addAndGet(SECOND * 6 / 10);
    p.stepReported(new TrainingMessage.Step(1, 5, 10, 1280, 0.4321));
    String line = bytes.toString(StandardCharsets.UTF_8).trim();
    // half the epoch done after 1.1 s leaves 1.1 s; 1280 samples in 1.1 s
    assertEquals("epoch 2/3  step 5/10  loss 0.4321  1164 samples/s  1.1s left", line);
    now.addAndGet(SECOND / 2);
    p.stepReported(new TrainingMessage.Step(1, 7, 10, 1792, 0.4));
    assertEquals(
        line,
        bytes.toString(StandardCharsets.UTF_8).trim(),
        "half a second after the last line: none");
    now.addAndGet(SECOND / 2);
    p.stepReported(new TrainingMessage.Step(1, 8, 10, 2048, 0.4));
    assertTrue(
        bytes
            .toString(StandardCharsets.UTF_8)
            .trim()
            .endsWith("step 8/10  loss 0.4000  975 samples/s  0.5s left"),
        bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void disabledPrintsNothing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    ProgressPrinter p =
        new ProgressPrinter(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 3, now::get);
    p.epochStarted(0);
    now.addAndGet(2 * SECOND);
    p.step(0, 5, 10, 1280, 0.5);
    p.message("hello");
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
  }
}

package dev.orca.estimator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.internal.worker.TrainingMessage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The driver's progress: in a terminal a bar redrawn in place (steps, running loss, samples per
 * second, time left) and cleared before the epoch's line; elsewhere only the epoch's line.
 */
class ProgressPrinterTest {
  private static final long SECOND = 1_000_000_000L;
  private static final EpochRecord EPOCH =
      new EpochRecord(1, Map.of("loss", 0.5), Map.of(), 2.5, 2, 2560);

  @Test
  void inATerminalABarIsRedrawnInPlaceThenClearedForTheEpochLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong(5 * SECOND);
    ProgressPrinter p = printer(bytes, true, true, now);
    p.epochStarted(1);
    now.addAndGet(SECOND * 11 / 10);
    p.stepReported(new TrainingMessage.Step(1, 5, 10, 1280, 0.4321));
    // half the epoch done after 1.1 s leaves 1.1 s; 1280 samples in 1.1 s
    String first =
        "epoch 2/3 [============            ] 5/10  loss 0.4321  1164 samples/s  1.1s left";
    assertEquals("\r" + first, text(bytes));
    now.addAndGet(SECOND);
    p.stepReported(new TrainingMessage.Step(1, 8, 10, 2048, 0.4));
    String second =
        "epoch 2/3 [===================     ] 8/10  loss 0.4000  975 samples/s  0.5s left";
    assertEquals("\r" + first + "\r" + second + " ", text(bytes), "a blank over the longer line");
    p.epochDone(EPOCH);
    assertEquals(
        "\r"
            + first
            + "\r"
            + second
            + " \r"
            + " ".repeat(first.length())
            + "\repoch 2/3  2.5s  1024 samples/s  loss 0.5000"
            + System.lineSeparator(),
        text(bytes));
  }

  @Test
  void withoutATerminalOnlyTheEpochLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    ProgressPrinter p = printer(bytes, true, false, now);
    p.epochStarted(1);
    now.addAndGet(2 * SECOND);
    p.stepReported(new TrainingMessage.Step(1, 5, 10, 1280, 0.5));
    p.epochDone(EPOCH);
    assertEquals(
        "epoch 2/3  2.5s  1024 samples/s  loss 0.5000" + System.lineSeparator(), text(bytes));
  }

  @Test
  void disabledPrintsNothing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    ProgressPrinter p = printer(bytes, false, true, now);
    p.epochStarted(0);
    now.addAndGet(2 * SECOND);
    p.step(0, 5, 10, 1280, 0.5);
    p.message("hello");
    p.epochDone(EPOCH);
    assertEquals("", text(bytes));
  }

  private static ProgressPrinter printer(
      ByteArrayOutputStream bytes, boolean enabled, boolean terminal, AtomicLong now) {
    return new ProgressPrinter(
        new PrintStream(bytes, true, StandardCharsets.UTF_8), enabled, terminal, 3, now::get);
  }

  private static String text(ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}

package dev.orca.estimator.internal;

import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.internal.worker.TrainingMessage;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The driver's view of training on the console: a line per epoch with its figures, and between them
 * at most one progress line a second (step, running loss, samples per second, time left in the
 * epoch).
 */
public final class ProgressPrinter {
  private final PrintStream out;
  private final boolean enabled;
  private final int epochs;
  private final LongSupplier clock;
  private long lastPrint;
  private long epochStart;

  public ProgressPrinter(PrintStream out, boolean enabled, int epochs) {
    this(out, enabled, epochs, System::nanoTime);
  }

  /** A printer that reads the time (in nanoseconds) from {@code clock}, so tests need not sleep. */
  ProgressPrinter(PrintStream out, boolean enabled, int epochs, LongSupplier clock) {
    this.out = out;
    this.enabled = enabled;
    this.epochs = epochs;
    this.clock = clock;
    this.epochStart = clock.getAsLong();
  }

  public void epochStarted(int epoch) {
    epochStart = clock.getAsLong();
    lastPrint = epochStart;
  }

  /**
   * A step finished: {@code samples} trained so far in this epoch by all workers (estimated), and
   * the mean loss so far of the reporting worker's rows.
   */
  public synchronized void step(int epoch, int step, int steps, long samples, double loss) {
    long now = clock.getAsLong();
    if (!enabled || now - lastPrint < 1_000_000_000L || step == steps) {
      return;
    }
    lastPrint = now;
    double elapsed = (now - epochStart) / 1e9;
    double left = step == 0 ? 0 : elapsed * (steps - step) / step;
    out.printf(
        Locale.ROOT,
        "  epoch %d/%d  step %d/%d  loss %.4f  %.0f samples/s  %s left%n",
        epoch + 1,
        epochs,
        step,
        steps,
        loss,
        samples / Math.max(elapsed, 1e-9),
        time(left));
  }

  /** A step reported by rank 0. */
  public void stepReported(TrainingMessage.Step s) {
    step(s.epoch(), s.step(), s.steps(), s.samples(), s.loss());
  }

  public synchronized void epochDone(EpochRecord e) {
    if (!enabled) {
      return;
    }
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "epoch %d/%d  %s  %.0f samples/s",
                e.epoch() + 1,
                epochs,
                time(e.seconds()),
                e.samplesPerSecond()));
    append(b, "", e.train());
    append(b, "val_", e.validation());
    out.println(b);
  }

  public void message(String text) {
    if (enabled) {
      out.println(text);
    }
  }

  private static void append(StringBuilder b, String prefix, Map<String, Double> values) {
    values.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %s%s %.4f", prefix, k, v)));
  }

  private static String time(double seconds) {
    long s = Math.round(seconds);
    return s < 60
        ? String.format(Locale.ROOT, "%.1fs", seconds)
        : String.format("%dm%02ds", s / 60, s % 60);
  }
}

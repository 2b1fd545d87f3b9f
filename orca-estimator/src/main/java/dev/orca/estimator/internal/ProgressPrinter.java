package dev.orca.estimator.internal;

import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.internal.worker.TrainingMessage;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The driver's view of training on the console: a line per epoch with its figures and, when the
 * console is a terminal, a progress bar within the epoch (steps, running loss, samples per second,
 * time left), redrawn in place on one line. When the output is not a terminal (a file, a CI log)
 * there is no bar: one line per epoch.
 */
public final class ProgressPrinter {
  private static final int BAR = 24;

  private final PrintStream out;
  private final boolean enabled;
  private final boolean terminal;
  private final int epochs;
  private final LongSupplier clock;
  private long epochStart;
  private int drawn; // characters of the bar now on the line, 0 if none

  public ProgressPrinter(PrintStream out, boolean enabled, int epochs) {
    this(out, enabled, System.console() != null, epochs, System::nanoTime);
  }

  /**
   * A printer that draws a bar if {@code terminal} and reads the time (in nanoseconds) from {@code
   * clock}, so tests need neither a terminal nor sleeps.
   */
  ProgressPrinter(
      PrintStream out, boolean enabled, boolean terminal, int epochs, LongSupplier clock) {
    this.out = out;
    this.enabled = enabled;
    this.terminal = terminal;
    this.epochs = epochs;
    this.clock = clock;
    this.epochStart = clock.getAsLong();
  }

  public synchronized void epochStarted(int epoch) {
    epochStart = clock.getAsLong();
  }

  /** Seconds since the current epoch started. */
  public synchronized double secondsIntoEpoch() {
    return (clock.getAsLong() - epochStart) / 1e9;
  }

  /**
   * A step finished: {@code samples} trained so far in this epoch by all workers (estimated), and
   * the mean loss so far of the reporting worker's rows.
   */
  public synchronized void step(int epoch, int step, int steps, long samples, double loss) {
    if (!enabled || !terminal || step >= steps || steps <= 0) {
      return;
    }
    double elapsed = (clock.getAsLong() - epochStart) / 1e9;
    double left = step == 0 ? 0 : elapsed * (steps - step) / step;
    int done = (int) ((long) BAR * step / steps);
    String line =
        String.format(
            Locale.ROOT,
            "epoch %d/%d [%s%s] %d/%d  loss %.4f  %.0f samples/s  %s left",
            epoch + 1,
            epochs,
            "=".repeat(done),
            " ".repeat(BAR - done),
            step,
            steps,
            loss,
            samples / Math.max(elapsed, 1e-9),
            time(left));
    // redrawn in place: back to the line's start, the new text, blanks over a longer old one
    out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
    out.flush();
    drawn = Math.max(drawn, line.length());
  }

  /** A step reported by rank 0. */
  public void stepReported(TrainingMessage.Step s) {
    step(s.epoch(), s.step(), s.steps(), s.samples(), s.loss());
  }

  public synchronized void epochDone(EpochRecord e) {
    if (!enabled) {
      return;
    }
    clearBar();
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

  public synchronized void message(String text) {
    if (enabled) {
      clearBar();
      out.println(text);
    }
  }

  private void clearBar() {
    if (drawn > 0) {
      out.print("\r" + " ".repeat(drawn) + "\r");
      drawn = 0;
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

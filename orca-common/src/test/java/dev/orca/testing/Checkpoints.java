package dev.orca.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/** Waits in tests for the estimator's checkpoint files ({@code epoch-NNNNN.orca}). */
public final class Checkpoints {
  private Checkpoints() {}

  /**
   * Returns once {@code dir} holds the checkpoint of {@code epoch} or a later one; fails after
   * {@code within}, or at once with the fit's failure if {@code fit} (may be null) ended first.
   */
  public static void await(Path dir, int epoch, Future<?> fit, Duration within) throws Exception {
    String name = String.format("epoch-%05d.orca", epoch);
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.list(dir)) {
        if (files.anyMatch(
            p ->
                p.getFileName().toString().compareTo(name) >= 0
                    && p.toString().endsWith(".orca"))) {
          return;
        }
      }
      if (fit != null && fit.isDone()) {
        fit.get(); // surfaces the failure
        throw new AssertionError("training ended before the checkpoint of epoch " + epoch);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no checkpoint of epoch " + epoch + " within " + within);
  }
}

package dev.orca.estimator.internal;

import dev.orca.estimator.EpochRecord;
import java.util.List;

/**
 * What a finished fit returns on either backend: the trained model file, the epoch records in
 * order, why training ended, and how often it resumed after a failure.
 */
public record FitResult(
    byte[] modelFile, List<EpochRecord> epochs, String stoppedBecause, int restarts) {
  public FitResult {
    epochs = List.copyOf(epochs);
  }
}

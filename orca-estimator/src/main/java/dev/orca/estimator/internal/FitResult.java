package dev.orca.estimator.internal;

import dev.orca.estimator.EpochRecord;
import java.util.List;

/**
 * What a finished fit returns on either backend: the trained model file, the epoch records in
 * order, why training ended, how often it resumed after a failure, and how the workers summed their
 * gradients (rank 0's words, or null).
 */
public record FitResult(
    byte[] modelFile,
    List<EpochRecord> epochs,
    String stoppedBecause,
    int restarts,
    String transport) {
  public FitResult {
    epochs = List.copyOf(epochs);
  }
}

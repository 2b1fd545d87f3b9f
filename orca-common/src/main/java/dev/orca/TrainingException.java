package dev.orca;

/**
 * Training failed: a worker was lost beyond the retry limit, a step timed out, the loss diverged.
 */
public class TrainingException extends OrcaException {
  private static final long serialVersionUID = 1L;

  public TrainingException(String message) {
    super(message);
  }

  public TrainingException(String message, Throwable cause) {
    super(message, cause);
  }
}

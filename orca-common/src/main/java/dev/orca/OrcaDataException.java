package dev.orca;

/**
 * Input data cannot be used as given: a missing or mistyped column, NaN or null features, labels
 * out of range, mismatched shapes, empty data. The message names the column or value.
 */
public class OrcaDataException extends OrcaException {
  private static final long serialVersionUID = 1L;

  public OrcaDataException(String message) {
    super(message);
  }

  public OrcaDataException(String message, Throwable cause) {
    super(message, cause);
  }
}

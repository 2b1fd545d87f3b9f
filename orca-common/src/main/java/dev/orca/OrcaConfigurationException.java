package dev.orca;

/** A setting is missing, malformed or contradicts another one. The message names the setting. */
public class OrcaConfigurationException extends OrcaException {
  private static final long serialVersionUID = 1L;

  public OrcaConfigurationException(String message) {
    super(message);
  }

  public OrcaConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.orca;

/**
 * The one unchecked root of every error Orca raises on purpose. A message names what failed, the
 * offending value and what to do about it; the subclasses say which area failed.
 *
 * <p>It lives in orca-common, the module every other Orca module builds on, so that one catch
 * clause covers the engine, the data path, the launcher and training.
 */
public class OrcaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OrcaException(String message) {
    super(message);
  }

  public OrcaException(String message, Throwable cause) {
    super(message, cause);
  }
}

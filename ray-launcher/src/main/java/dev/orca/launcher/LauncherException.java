package dev.orca.launcher;

import dev.orca.OrcaException;

/**
 * Starting, running or stopping a barrier stage or a Ray runtime failed: a missing executable, a
 * node that did not come up, not enough task slots, a peer that did not answer in time.
 */
public class LauncherException extends OrcaException {
  private static final long serialVersionUID = 1L;

  public LauncherException(String message) {
    super(message);
  }

  public LauncherException(String message, Throwable cause) {
    super(message, cause);
  }
}

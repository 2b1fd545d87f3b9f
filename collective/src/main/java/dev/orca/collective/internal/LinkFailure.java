package dev.orca.collective.internal;

import java.io.IOException;

/**
 * A link to a neighbour failed, or was told to stop. The message names the peer and what went
 * wrong; the sender or receiver loop prefixes the operation that was running.
 */
final class LinkFailure extends IOException {
  private static final long serialVersionUID = 1L;
  private final boolean stopped;

  LinkFailure(String message, Throwable cause, boolean stopped) {
    super(message, cause);
    this.stopped = stopped;
  }

  static LinkFailure stopped(String peer) {
    return new LinkFailure("stopped while talking to " + peer, null, true);
  }

  /** True when the link was stopped on purpose (close, or a failure elsewhere). */
  boolean stopped() {
    return stopped;
  }
}

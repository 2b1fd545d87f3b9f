package dev.orca.collective;

import dev.orca.OrcaException;

/**
 * A ring operation or the forming of the ring failed: a peer was lost or timed out, refused the
 * handshake, or runs a different operation. The message names the peer (rank and address) and what
 * was waited for. After it the ring is broken: close it and form a new one.
 */
public class RingException extends OrcaException {
  private static final long serialVersionUID = 1L;

  public RingException(String message) {
    super(message);
  }

  public RingException(String message, Throwable cause) {
    super(message, cause);
  }
}

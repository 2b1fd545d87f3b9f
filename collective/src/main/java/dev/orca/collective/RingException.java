package dev.orca.collective;

import dev.orca.OrcaException;

/**
 * A ring operation or the forming of the ring failed: a peer was lost or timed out, refused the
 * handshake, or runs a different operation. The message names the peer (rank and address) and what
 * was waited for. After it the ring is broken: close it and form a new one.
 */
public class RingException extends OrcaException {
  private static final long serialVersionUID = 1L;
  private final boolean workerGaveUp;

  public RingException(String message) {
    this(message, null, false);
  }

  public RingException(String message, Throwable cause) {
    this(message, cause, false);
  }

  /**
   * A ring failure; {@code workerGaveUp} when a worker ended the ring on purpose because of an
   * error of its own ({@link RingAllReduce#abort}), rather than being lost.
   */
  public RingException(String message, Throwable cause, boolean workerGaveUp) {
    super(message, cause);
    this.workerGaveUp = workerGaveUp;
  }

  /**
   * True if the ring broke because some worker gave up on an error of its own (it reports that
   * error itself), false if a worker was lost, timed out or misbehaved. A trainer resumes from a
   * checkpoint after the latter; after the former a retry would only fail again.
   */
  public boolean workerGaveUp() {
    return workerGaveUp;
  }
}

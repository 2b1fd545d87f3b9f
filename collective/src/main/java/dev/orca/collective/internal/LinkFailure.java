package dev.orca.collective.internal;

import java.io.IOException;

/**
 * A link to a neighbour failed, or was told to stop. The message names the peer and what went
 * wrong; the sender or receiver loop prefixes the operation that was running.
 */
final class LinkFailure extends IOException {
  private static final long serialVersionUID = 1L;
  private final boolean stopped;
  private final boolean workerGaveUp;
  private boolean onWrite;
  private boolean peerAborted;

  LinkFailure(String message, Throwable cause, boolean stopped) {
    this(message, cause, stopped, false);
  }

  LinkFailure(String message, Throwable cause, boolean stopped, boolean workerGaveUp) {
    super(message, cause);
    this.stopped = stopped;
    this.workerGaveUp = workerGaveUp;
  }

  /** True when the peer's ABORT said a worker gave up on an error of its own. */
  boolean workerGaveUp() {
    return workerGaveUp;
  }

  static LinkFailure stopped(String peer) {
    return new LinkFailure("stopped while talking to " + peer, null, true);
  }

  /** Marks a failure to write to a neighbour that is gone (see {@link #onWrite()}). */
  LinkFailure writing() {
    onWrite = true;
    return this;
  }

  /**
   * True when writing found the neighbour gone: it may have said why on the connection's other
   * direction, which this thread does not read.
   */
  boolean onWrite() {
    return onWrite;
  }

  /** Marks the ABORT frame of a neighbour that failed (see {@link #peerAborted()}). */
  LinkFailure aborted() {
    peerAborted = true;
    return this;
  }

  /** True when the neighbour said it failed, and why (its ABORT frame). */
  boolean peerAborted() {
    return peerAborted;
  }

  /** True when the link was stopped on purpose (close, or a failure elsewhere). */
  boolean stopped() {
    return stopped;
  }
}

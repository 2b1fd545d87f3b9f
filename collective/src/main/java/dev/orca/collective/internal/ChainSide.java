package dev.orca.collective.internal;

import java.nio.FloatBuffer;

/**
 * What the TCP ends of the chain read and write for each piece, and wait for: the chain sends the
 * partial sums forward, from the last worker of each host to the first worker of the next, and the
 * result back the same way. Each method is called by one thread only (the forward receiver, the
 * forward sender, the backward receiver, the backward sender), for pieces in order.
 *
 * <p>{@code buffer[pos, pos + n)} is this worker's part of the reduction for piece {@code p};
 * {@code doing} names the operation in messages.
 */
abstract class ChainSide {
  /** Where the incoming partial sum of piece {@code p} goes (waits until that is free). */
  abstract void incoming(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure;

  /** The incoming partial sum of piece {@code p} is in place. */
  abstract void incomingArrived(long p, FloatBuffer buffer, int pos, int n);

  /** Where this host's partial sum of piece {@code p} is (waits until it is complete). */
  abstract void partial(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure;

  abstract void partialSent(long p);

  /** Where the result of piece {@code p} coming back goes (waits until that is free). */
  abstract void result(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure;

  abstract void resultArrived(long p);

  /** Where the result of piece {@code p} to send back is (waits until it is complete). */
  abstract void resultToSend(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure;

  abstract void resultSent(long p);

  /** True if the result must be rounded as it leaves (a lossy wire format, kept here as sent). */
  abstract boolean roundsResult();

  /** Wakes the threads waiting here, to stop. */
  abstract void stop();
}

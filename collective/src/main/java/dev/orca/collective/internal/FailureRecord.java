package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first failure of one worker's ring, whichever part saw it: the TCP ring's threads, the chain
 * back through it, or the shared-memory group. Every part throws this one failure, so that the
 * message a caller gets does not depend on which thread noticed first; recording it tells every
 * part at once (to stop, to tell its neighbours, to wake its waiters).
 */
final class FailureRecord {
  private static final Logger LOG = LoggerFactory.getLogger(FailureRecord.class);
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile RingException failure;
  private boolean closing;

  /** Runs {@code listener} (once) when the first failure is recorded. */
  void onFailure(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * Runs {@code posts} so that no failure is recorded while it runs: a failure comes wholly before
   * or wholly after it. Posts only take their queues' locks, which no one holds while failing.
   */
  synchronized void withoutFailing(Runnable posts) {
    posts.run();
  }

  /** Records {@code e} unless a failure was recorded before; true if it was the first. */
  boolean fail(RingException e) {
    synchronized (this) {
      if (failure != null || closing) {
        return false;
      }
      failure = e;
      notifyAll();
    }
    LOG.warn("ring failed: {}", e.getMessage());
    for (Runnable r : listeners) {
      r.run();
    }
    return true;
  }

  /**
   * Records {@code e} unless another failure is recorded within {@code graceNanos}. For a write to
   * a neighbour that closed the connection: if it closed it on purpose, the reason is on its way on
   * the connection's other direction, and it is the better message.
   */
  void failSoon(RingException e, long graceNanos) {
    long deadline = System.nanoTime() + graceNanos;
    synchronized (this) {
      long left;
      while (failure == null && !closing && (left = deadline - System.nanoTime()) > 0) {
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    fail(e);
  }

  /**
   * The worker closes its ring: what its threads run into from now on (connections it closes
   * itself) is not a failure.
   */
  synchronized void closing() {
    closing = true;
  }

  RingException failure() {
    return failure;
  }
}

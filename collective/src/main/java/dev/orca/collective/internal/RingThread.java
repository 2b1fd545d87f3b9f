package dev.orca.collective.internal;

import dev.orca.collective.RingException;

/**
 * What the sender and the receiver share: take the posted operations in order, run each through the
 * link, and turn whatever stops them into the ring's failure, named after the operation.
 */
abstract class RingThread implements Runnable {
  /** How long a failed write waits for the neighbour's reason coming the other way. */
  private static final long WRITE_GRACE_NANOS = 1_000_000_000L;

  private static final long GROUP_GRACE_NANOS = 2_000_000_000L;

  final OpQueue queue;
  final RingLink link;
  final ChunkBuffer chunk;
  private final String role;

  RingThread(String role, OpQueue queue, RingLink link, int chunkBytes) {
    this.role = role;
    this.queue = queue;
    this.link = link;
    this.chunk = new ChunkBuffer(chunkBytes);
  }

  /** The next operation for this thread, or null once the ring stops or fails. */
  abstract RingOp next() throws InterruptedException;

  /** Moves this thread's part of {@code op}. */
  abstract void process(RingOp op) throws LinkFailure, InterruptedException;

  abstract void done(RingOp op);

  /** Runs last, whatever happened; {@code unfinished} is the operation it stopped in, or null. */
  abstract void finish(RingOp unfinished);

  @Override
  public final void run() {
    RingOp op = null; // the operation in progress; null between operations
    try {
      for (RingOp posted = next(); posted != null; posted = next()) {
        op = posted;
        process(op);
        done(op);
        op = null;
      }
    } catch (LinkFailure e) {
      if (!e.stopped()) {
        RingException failure =
            new RingException(
                (op == null ? "" : op.describe() + ": ") + e.getMessage(),
                e.getCause(),
                e.workerGaveUp());
        if (e.onWrite()) {
          queue.failSoon(failure, WRITE_GRACE_NANOS);
        } else if (e.peerAborted() && queue.localViewComing()) {
          // the neighbour shares this worker's memory group, which is summing: the group sees
          // what made it fail at once and names it from this worker's side (e.g. the two
          // operations, in this worker's words); its ABORT stands if the group says nothing
          queue.failSoon(failure, GROUP_GRACE_NANOS);
        } else {
          queue.fail(failure);
        }
      }
    } catch (InterruptedException e) {
      queue.fail(new RingException("the " + role + " thread of the ring was interrupted", e));
    } catch (RuntimeException | Error e) {
      queue.fail(
          new RingException(
              (op == null ? "" : op.describe() + ": ") + "the " + role + " thread failed: " + e,
              e));
    } finally {
      finish(op);
    }
  }
}

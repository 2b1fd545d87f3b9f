package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Where the caller's thread, the sender and the receiver meet: operations posted in order, how far
 * each thread got, and the first failure. One lock guards it all; it is taken once per chunk
 * (hundreds of kilobytes), which costs nothing next to moving the chunk.
 *
 * <p>A failure seen by either thread is recorded once, here, and thrown only to a caller that waits
 * ({@link #awaitDone}) or starts a new call ({@link #checkNotBroken}); posting never throws. Which
 * thread noticed first, and when, thus never changes which call of the user fails.
 *
 * <p>Every wait here is bounded: besides the links' own timeouts, a wait that sees no progress at
 * all for the ring timeout plus a grace period fails the ring, so no bug can turn into a hang.
 */
final class OpQueue {
  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long IDLE_POLL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition received = lock.newCondition();
  private final Condition finished = lock.newCondition();
  private final ArrayDeque<RingOp> toSend = new ArrayDeque<>();
  private final ArrayDeque<RingOp> toReceive = new ArrayDeque<>();
  private final long stallNanos;
  private final FailureRecord failures;
  private long posted;
  private long postedRecvUnits;
  private long sentOps;
  private long receivedOps;
  private long receivedUnits;
  private volatile long lastProgress = System.nanoTime();
  private boolean stopping;
  // while it says true, a neighbour's ABORT waits for the memory group's view (preferLocalFailures)
  private volatile BooleanSupplier localBusy;

  /**
   * {@code failures} is the worker's one record of its first failure; {@code onFailure} runs once
   * it is recorded, by this queue or elsewhere.
   */
  OpQueue(long timeoutNanos, FailureRecord failures, Runnable onFailure) {
    this.stallNanos = timeoutNanos + GRACE_NANOS;
    this.failures = failures;
    failures.onFailure(
        () -> {
          wakeAll();
          onFailure.run();
        });
  }

  /**
   * Hands an operation to both threads. Never throws: on a ring that has failed or was closed the
   * operation is only numbered, and {@link #awaitDone} reports why at once. So a failure surfaces
   * where the caller waits, whenever the ring threads noticed it.
   */
  void post(RingOp op, long seq) {
    lock.lock();
    try {
      op.seq = seq;
      op.index = posted++;
      op.recvBase = postedRecvUnits;
      postedRecvUnits += op.prepare();
      if (failure() != null || stopping) {
        return; // the threads have stopped: awaitDone throws, and nothing holds the buffer
      }
      toSend.addLast(op);
      toReceive.addLast(op);
      lastProgress = System.nanoTime();
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The next operation for the sender, or null once the ring stops or fails. */
  RingOp nextToSend() throws InterruptedException {
    return next(toSend);
  }

  /**
   * The first posted operation the sender has not started, or null: what the next worker awaits.
   */
  RingOp firstUnsent() {
    lock.lock();
    try {
      return toSend.peekFirst();
    } finally {
      lock.unlock();
    }
  }

  RingOp nextToReceive() throws InterruptedException {
    return next(toReceive);
  }

  private RingOp next(ArrayDeque<RingOp> queue) throws InterruptedException {
    lock.lock();
    try {
      // idle between training steps for as long as the caller computes: no timeout here, but a
      // periodic look at the stop flag
      while (queue.isEmpty() && !stopping && failure() == null) {
        work.awaitNanos(IDLE_POLL_NANOS);
      }
      return stopping || failure() != null ? null : queue.pollFirst();
    } finally {
      lock.unlock();
    }
  }

  void sentChunk() {
    lastProgress = System.nanoTime();
  }

  void sent(RingOp op) {
    lock.lock();
    try {
      sentOps = op.index + 1;
      finished.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void receivedChunk() {
    lock.lock();
    try {
      receivedUnits++;
      lastProgress = System.nanoTime();
      received.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void received(RingOp op) {
    lock.lock();
    try {
      receivedOps = op.index + 1;
      finished.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Sender: waits until the receiver has completed {@code units} chunks in all. */
  void awaitReceived(long units, RingOp op) throws LinkFailure, InterruptedException {
    lock.lock();
    try {
      while (receivedUnits < units) {
        if (stopping || failure() != null) {
          throw LinkFailure.stopped("the receiver thread");
        }
        checkStall(op, "its own receiver thread");
        received.awaitNanos(stallNanos);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Caller: waits until both threads are done with {@code op}, or throws why not. */
  void awaitDone(RingOp op) {
    lock.lock();
    try {
      while (sentOps <= op.index || receivedOps <= op.index) {
        throwIfBroken(op);
        checkStall(op, "its sender and receiver threads");
        finished.awaitNanos(stallNanos);
      }
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
    fail(new RingException(op.describe() + ": interrupted while waiting; the ring is now broken"));
    throw new RingException(op.describe() + ": interrupted while waiting");
  }

  /**
   * Caller, before a new operation: throws the recorded failure if the ring is broken. Between
   * operations no thread reads or writes, so the answer depends only on what this worker's earlier
   * calls already reported.
   */
  void checkNotBroken(String call) {
    lock.lock();
    try {
      throwIfBroken(call);
    } finally {
      lock.unlock();
    }
  }

  private void checkStall(RingOp op, String waitedFor) {
    long idle = System.nanoTime() - lastProgress;
    if (idle >= stallNanos) {
      RingException stuck =
          new RingException(
              op.describe()
                  + ": no progress for "
                  + Durations.text(idle)
                  + " while waiting for "
                  + waitedFor
                  + "; the ring is stuck");
      // recording wakes the worker's other parts, which take their own locks: not under this one
      lock.unlock();
      try {
        fail(stuck);
      } finally {
        lock.lock();
      }
      throwIfBroken(op);
    }
  }

  private void throwIfBroken(RingOp op) {
    throwIfBroken(op.describe());
  }

  /**
   * The first failure, in the words of the thread that saw it, prefixed with what the caller did.
   */
  private void throwIfBroken(String doing) {
    RingException failure = failure();
    if (failure != null) {
      throw new RingException(
          doing
              + ": the ring is broken: "
              + failure.getMessage()
              + " (close this RingAllReduce and form a new ring)",
          failure,
          failure.workerGaveUp());
    }
    if (stopping) {
      throw new RingException(doing + ": the ring was closed while this operation ran");
    }
  }

  /**
   * Records the first failure of the worker and wakes everyone; later failures are consequences of
   * it. After {@link #stop()} there is nothing left to fail.
   */
  void fail(RingException e) {
    lock.lock();
    try {
      if (stopping) {
        return;
      }
    } finally {
      lock.unlock();
    }
    failures.fail(e);
  }

  /**
   * While {@code busy} is true, a neighbour's ABORT is recorded only if the worker's memory group,
   * which also sees the neighbour, has not recorded its own view first ({@link #localViewComing}).
   */
  void preferLocalFailures(BooleanSupplier busy) {
    this.localBusy = busy;
  }

  boolean localViewComing() {
    BooleanSupplier b = localBusy;
    return b != null && b.getAsBoolean();
  }

  /** Like {@link #fail}, giving a better-informed failure {@code graceNanos} to come first. */
  void failSoon(RingException e, long graceNanos) {
    lock.lock();
    try {
      if (stopping) {
        return;
      }
    } finally {
      lock.unlock();
    }
    failures.failSoon(e, graceNanos);
  }

  RingException failure() {
    return failures.failure();
  }

  private void wakeAll() {
    lock.lock();
    try {
      work.signalAll();
      received.signalAll();
      finished.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Close: stops both threads and fails whatever still waits. */
  void stop() {
    lock.lock();
    try {
      stopping = true;
      work.signalAll();
      received.signalAll();
      finished.signalAll();
    } finally {
      lock.unlock();
    }
  }
}

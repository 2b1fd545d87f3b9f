package dev.orca.collective.internal;

import dev.orca.collective.Compression;
import dev.orca.collective.RingException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The chain's ends on a worker that is alone on its host: the incoming partial sum is added into
 * the caller's buffer as it arrives (this worker's value folded onto the sum of the ranks before
 * it), the buffer is sent on from there, and the result comes back into it. Its threads wait for
 * each other only: the forward sender for the forward receiver, the backward sender for whichever
 * receiver brings the result.
 */
final class SoloSide extends ChainSide {
  private final boolean firstHost;
  private final boolean lastHost;
  private final boolean round;
  private final Progress folded;
  private final Progress returned;
  private final FloatBuffer scratch;
  private final ByteBuffer scratchBytes;

  SoloSide(
      int host,
      int hosts,
      Compression compression,
      int chunk,
      long timeoutNanos,
      FailureRecord failures) {
    this.firstHost = host == 0;
    this.lastHost = host == hosts - 1;
    this.round = lastHost && compression != Compression.NONE;
    this.folded = new Progress("its own forward receiver", timeoutNanos, failures);
    this.returned = new Progress("its own backward receiver", timeoutNanos, failures);
    this.scratchBytes =
        ByteBuffer.allocateDirect(chunk * Float.BYTES).order(ByteOrder.nativeOrder());
    this.scratch = scratchBytes.asFloatBuffer();
  }

  @Override
  void incoming(long p, FloatBuffer buffer, int pos, int n, Place place, String doing) {
    place.ofBlock(scratch, scratchBytes);
  }

  @Override
  void incomingArrived(long p, FloatBuffer buffer, int pos, int n) {
    for (int i = 0; i < n; i++) {
      buffer.put(pos + i, scratch.get(i) + buffer.get(pos + i));
    }
    folded.advance(p + 1);
  }

  @Override
  void partial(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure {
    if (!firstHost) {
      folded.await(p + 1, doing);
    }
    place.of(buffer, pos);
  }

  @Override
  void partialSent(long p) {}

  @Override
  void result(long p, FloatBuffer buffer, int pos, int n, Place place, String doing) {
    place.of(buffer, pos); // what was there has been sent on: the result came after it
  }

  @Override
  void resultArrived(long p) {
    returned.advance(p + 1);
  }

  @Override
  void resultToSend(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure {
    (lastHost ? folded : returned).await(p + 1, doing);
    place.of(buffer, pos);
  }

  @Override
  void resultSent(long p) {}

  @Override
  boolean roundsResult() {
    return round;
  }

  @Override
  void stop() {
    folded.stop();
    returned.stop();
  }

  /** A count of pieces one thread of this worker has moved, for another to wait on. */
  static final class Progress {
    private static final long GRACE_NANOS = 5_000_000_000L;
    private final String name;
    private final long stallNanos;
    private final FailureRecord failures;
    private long value;
    private boolean stopped;

    Progress(String name, long timeoutNanos, FailureRecord failures) {
      this.name = name;
      this.stallNanos = timeoutNanos + GRACE_NANOS;
      this.failures = failures;
      failures.onFailure(this::stop);
    }

    synchronized void advance(long v) {
      value = v;
      notifyAll();
    }

    synchronized void stop() {
      stopped = true;
      notifyAll();
    }

    /** Waits until {@code v} pieces are done; throws a stopped failure once the ring fails. */
    void await(long v, String doing) throws LinkFailure {
      long stuckFor;
      synchronized (this) {
        long since = System.nanoTime();
        long seen = value;
        while (true) {
          if (value >= v) {
            return;
          }
          if (stopped || failures.failure() != null) {
            throw LinkFailure.stopped(name);
          }
          long now = System.nanoTime();
          if (value != seen) {
            seen = value;
            since = now;
          } else if (now - since >= stallNanos) {
            stuckFor = now - since;
            break;
          }
          try {
            wait(Math.max(1, (stallNanos - (now - since)) / 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LinkFailure.stopped(name);
          }
        }
      }
      // recorded outside this lock: recording wakes the worker's other parts, which take theirs
      failures.fail(
          new RingException(
              doing
                  + ": no progress for "
                  + Durations.text(stuckFor)
                  + " while waiting for "
                  + name
                  + "; the ring is stuck"));
      throw LinkFailure.stopped(name);
    }
  }
}

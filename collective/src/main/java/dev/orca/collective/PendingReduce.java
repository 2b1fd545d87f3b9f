package dev.orca.collective;

import dev.orca.collective.internal.RangeSet;
import dev.orca.collective.internal.WorkerSession;
import java.nio.FloatBuffer;

/**
 * A sum over all workers that runs while the caller keeps computing: mark each range of the buffer
 * {@link #ready} as soon as its values are final (e.g. a layer's gradients as the backward pass
 * produces them), and it is reduced in the background while the next range is computed; {@link
 * #await()} then waits for the rest.
 *
 * <pre>{@code
 * PendingReduce p = ring.startAllReduce(gradients);
 * for (Layer l : layersBackwards) { l.backward(); p.ready(l.gradFrom(), l.gradTo()); }
 * p.await();
 * }</pre>
 *
 * <p>Every worker must mark the same ranges in the same order (the ring checks this and fails with
 * a message if not). Touching ranges marked one after the other are merged until they are worth a
 * ring operation of their own. Ranges are absolute indices into the buffer, inside the range given
 * to {@code startAllReduce}, and may not overlap. The object is reused by the ring's next {@code
 * startAllReduce}; it is valid until {@link #await()} returns.
 *
 * <p>Errors: {@link #ready} and {@link #readyAll()} throw only for misuse of the call itself (a
 * range outside the reduction or marked twice, a finished reduction), never for the ring. The
 * ring's threads may find a failure (a lost or silent peer, workers marking different ranges) at
 * any moment while ranges are being marked; it is recorded, ranges marked after it are not sent,
 * and {@link #await()} throws it at once as a {@link RingException} naming the peer. So it is
 * always {@code await()} that fails, however the threads were scheduled.
 */
public final class PendingReduce {
  private final RangeSet marked = new RangeSet();
  private final int flushElements;
  private int[] gaps = new int[16];
  private WorkerSession session;
  private FloatBuffer buffer;
  private int start;
  private int end;
  private int pendingFrom;
  private int pendingTo;
  private boolean active;

  PendingReduce(int flushElements) {
    this.flushElements = flushElements;
  }

  void begin(WorkerSession session, FloatBuffer buffer, int offset, int length) {
    this.session = session;
    this.buffer = buffer;
    this.start = offset;
    this.end = offset + length;
    this.pendingFrom = offset;
    this.pendingTo = offset;
    this.active = true;
    marked.clear();
  }

  boolean active() {
    return active;
  }

  /**
   * Marks {@code buffer[from, to)} final on this worker; its reduction may start at once. The
   * values must not change until {@link #await()} returns. Throws only for misuse: a failure of the
   * ring is left for {@link #await()}.
   */
  public PendingReduce ready(int from, int to) {
    checkActive();
    if (from < start || to > end || from > to) {
      throw new IllegalArgumentException(
          "ready("
              + from
              + ", "
              + to
              + "): the range must lie "
              + "inside ["
              + start
              + ", "
              + end
              + "), the range this reduction was started on");
    }
    if (from == to) {
      return this;
    }
    if (!marked.add(from, to)) {
      throw new IllegalArgumentException(
          "ready("
              + from
              + ", "
              + to
              + ") overlaps a range "
              + "already marked ready: each element may be marked once, or it would be summed twice");
    }
    if (pendingTo > pendingFrom && (to == pendingFrom || from == pendingTo)) {
      pendingFrom = Math.min(pendingFrom, from);
      pendingTo = Math.max(pendingTo, to);
    } else {
      flush();
      pendingFrom = from;
      pendingTo = to;
    }
    if (pendingTo - pendingFrom >= flushElements) {
      flush();
    }
    return this;
  }

  /** Marks everything not yet marked ready. */
  public PendingReduce readyAll() {
    checkActive();
    int n = 0;
    int cursor = start;
    for (int i = 0; i <= marked.count(); i++) {
      int gapEnd = i < marked.count() ? marked.from(i) : end;
      if (gapEnd > cursor) {
        if (n + 2 > gaps.length) {
          gaps = java.util.Arrays.copyOf(gaps, 2 * gaps.length);
        }
        gaps[n++] = cursor;
        gaps[n++] = gapEnd;
      }
      if (i < marked.count()) {
        cursor = marked.to(i);
      }
    }
    for (int i = 0; i < n; i += 2) {
      ready(gaps[i], gaps[i + 1]);
    }
    return this;
  }

  /**
   * Waits until every range is summed over all workers. Throws {@link RingException} if the ring
   * failed at any time since {@code startAllReduce} (a peer was lost or timed out, or runs other
   * ranges), and {@link IllegalStateException} if part of the range was never marked ready; the
   * latter wins, with the ring failure attached as suppressed.
   */
  public void await() {
    checkActive();
    flush();
    long missing = (end - start) - marked.covered();
    active = false;
    buffer = null;
    RingException ringFailure = null;
    if (session != null) {
      try {
        session.awaitReduces();
      } catch (RingException e) {
        ringFailure = e;
      }
    }
    if (missing > 0) {
      IllegalStateException misuse =
          new IllegalStateException(
              "await(): "
                  + missing
                  + " of the "
                  + (end - start)
                  + " floats in ["
                  + start
                  + ", "
                  + end
                  + ") were never marked ready: call "
                  + "ready(from, to) for every range, or readyAll()");
      if (ringFailure != null) {
        misuse.addSuppressed(ringFailure);
      }
      throw misuse;
    }
    if (ringFailure != null) {
      throw ringFailure;
    }
  }

  private void flush() {
    if (pendingTo > pendingFrom && session != null) {
      session.postReduce(buffer, pendingFrom, pendingTo - pendingFrom);
    }
    pendingFrom = pendingTo;
  }

  private void checkActive() {
    if (!active) {
      throw new IllegalStateException(
          "this reduction is finished: start a new one with " + "RingAllReduce.startAllReduce");
    }
  }
}

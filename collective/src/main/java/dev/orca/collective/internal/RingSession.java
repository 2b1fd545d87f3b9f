package dev.orca.collective.internal;

import dev.orca.collective.RingOptions;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a formed TCP ring of two or more workers: the links to both neighbours, the
 * sender and receiver threads, and the operations posted to them. The ring's own direction carries
 * broadcasts, sums of doubles, barriers and the chain's partial sums; {@link #back()} makes the
 * other direction over the same connections, which carries the chain's results. Operations are
 * reused, so a training step allocates nothing here.
 */
public final class RingSession {
  private static final Logger LOG = LoggerFactory.getLogger(RingSession.class);
  private static final long JOIN_MILLIS = 10_000;

  private final RingOptions options;
  private final int rank;
  private final int size;
  private final SocketChannel nextChannel;
  private final String nextPeer;
  private final SocketChannel prevChannel;
  private final String prevPeer;
  private final FailureRecord failures;
  private final RingLink toNext;
  private final RingLink fromPrev;
  private final OpQueue queue;
  private final Thread sender;
  private final Thread receiver;
  private final BroadcastOp broadcast;
  private final GatherOp gather;
  private boolean stopped;
  private boolean closed;

  /**
   * Takes over two connected channels and starts the threads: writing to {@code next}, reading from
   * {@code prev}, named in messages by {@code nextPeer} and {@code prevPeer}. {@code failures} is
   * the worker's record of its first failure, shared with its other parts.
   */
  public RingSession(
      RingOptions options,
      int rank,
      int size,
      SocketChannel next,
      String nextPeer,
      SocketChannel prev,
      String prevPeer,
      FailureRecord failures)
      throws IOException {
    this(options, rank, size, next, nextPeer, prev, prevPeer, failures, "");
  }

  private RingSession(
      RingOptions options,
      int rank,
      int size,
      SocketChannel next,
      String nextPeer,
      SocketChannel prev,
      String prevPeer,
      FailureRecord failures,
      String direction)
      throws IOException {
    this.options = options;
    this.rank = rank;
    this.size = size;
    this.nextChannel = next;
    this.nextPeer = nextPeer;
    this.prevChannel = prev;
    this.prevPeer = prevPeer;
    this.failures = failures;
    int chunkBytes = options.chunkBytes();
    long timeout = options.timeout().toNanos();
    this.toNext = new RingLink(next, nextPeer, timeout, true);
    this.fromPrev = new RingLink(prev, prevPeer, timeout, false);
    this.queue = new OpQueue(timeout, failures, fromPrev::stop);
    this.broadcast = new BroadcastOp(rank, size, chunkBytes / Float.BYTES);
    this.gather = new GatherOp(rank, size, chunkBytes);
    String prefix = "orca-ring-" + options.name() + "-" + rank + direction;
    this.sender = new Thread(new Sender(queue, toNext, chunkBytes), prefix + "-send");
    this.receiver = new Thread(new Receiver(queue, fromPrev, chunkBytes), prefix + "-recv");
    sender.setDaemon(true);
    receiver.setDaemon(true);
    sender.start();
    receiver.start();
  }

  /** See {@link OpQueue#preferLocalFailures}. */
  void preferLocalFailures(BooleanSupplier busy) {
    queue.preferLocalFailures(busy);
  }

  /**
   * The ring the other way over the same connections: this worker writes to its previous worker and
   * reads from its next one. Shares the failure record; stop and close both.
   */
  RingSession back() throws IOException {
    return new RingSession(
        options, rank, size, prevChannel, prevPeer, nextChannel, nextPeer, failures, "-back");
  }

  int rank() {
    return rank;
  }

  int size() {
    return size;
  }

  /**
   * Throws the {@link dev.orca.collective.RingException} that broke the ring, if it is broken;
   * {@code call} names what the caller was about to do.
   */
  public void checkNotBroken(String call) {
    queue.checkNotBroken(call);
  }

  /** Hands {@code op}, numbered {@code seq}, to the threads; never throws a ring failure. */
  void post(RingOp op, long seq) {
    queue.post(op, seq);
  }

  /** Waits until both threads are done with {@code op}; throws the ring's failure if any. */
  void awaitDone(RingOp op) {
    queue.awaitDone(op);
  }

  /** Copies rank 0's {@code buffer[offset, offset+length)} to every worker; blocks. */
  void broadcast(FloatBuffer buffer, int offset, int length, long seq) {
    broadcast.reset(buffer, offset, length);
    try {
      queue.post(broadcast, seq);
      queue.awaitDone(broadcast);
    } finally {
      broadcast.release();
    }
  }

  /** Replaces {@code values} by their sum over all workers, summed in rank order; blocks. */
  void allReduce(double[] values, long seq) {
    gather.reset(values);
    queue.post(gather, seq);
    queue.awaitDone(gather);
    gather.sumInto(values);
  }

  /** Every worker's {@code values} (all of one length), in rank order; blocks. */
  double[] gatherPlacements(double[] values) {
    GatherOp op = new GatherOp(rank, size, options.chunkBytes(), RingOp.PLACEMENT);
    op.reset(values);
    queue.post(op, -1);
    queue.awaitDone(op);
    return op.gathered();
  }

  /** Waits (bounded) until the sender has told the next worker why the ring failed. */
  void awaitSenderEnd() {
    join(sender);
  }

  /**
   * Tells the threads to stop, without waiting: a worker halts both directions of its ring before
   * it waits for either, so that neither sees the other close a shared connection as a failure.
   */
  void halt() {
    queue.stop();
    toNext.stop();
    fromPrev.stop();
  }

  /** Stops the threads and waits for them; the connections stay open. Idempotent. */
  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    halt();
    join(sender);
    join(receiver);
  }

  /**
   * After {@link #stop()}: reads and discards what the previous worker still sends until it hangs
   * up, at most {@code nanos}. Closing with its data unread would reset its connection, and it
   * would report a lost worker instead of the reason this worker sent.
   */
  void drainFromPrevious(long nanos) {
    fromPrev.drainUntilPeerCloses(nanos);
  }

  /** True once both threads have ended. */
  boolean threadsEnded() {
    return !sender.isAlive() && !receiver.isAlive();
  }

  /** Stops the threads and closes both connections; idempotent. */
  void close() {
    stop();
    if (closed) {
      return;
    }
    closed = true;
    toNext.close();
    fromPrev.close();
  }

  private static void join(Thread t) {
    if (t == Thread.currentThread()) {
      return;
    }
    try {
      t.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      LOG.warn(
          "ring thread {} did not stop within {} s; its socket is closed anyway",
          t.getName(),
          TimeUnit.MILLISECONDS.toSeconds(JOIN_MILLIS));
    }
  }
}

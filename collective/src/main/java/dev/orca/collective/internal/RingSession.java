package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import dev.orca.collective.RingOptions;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A formed ring of two or more workers: the links to both neighbours, the sender and receiver
 * threads, and the operations posted to them. Operations are reused, so a training step allocates
 * nothing here.
 */
public final class RingSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RingSession.class);
  private static final long JOIN_MILLIS = 10_000;

  /** How long a worker that gives up waits for its previous worker to learn why and hang up. */
  private static final long ABORT_DRAIN_NANOS = 10_000_000_000L;

  private final int rank;
  private final int size;
  private final int chunkElements;
  private final WireCodec codec;
  private final RingLink toNext;
  private final RingLink fromPrev;
  private final OpQueue queue;
  private final Thread sender;
  private final Thread receiver;
  private final ArrayDeque<ReduceOp> freeReduces = new ArrayDeque<>();
  private final List<ReduceOp> postedReduces = new ArrayList<>();
  private final BroadcastOp broadcast;
  private final GatherOp gather;
  private boolean closed;

  /**
   * Takes over two connected channels and starts the threads. {@code nextPeer}/{@code prevPeer}
   * name the neighbours in messages.
   */
  public RingSession(
      RingOptions options,
      int rank,
      int size,
      SocketChannel next,
      String nextPeer,
      SocketChannel prev,
      String prevPeer)
      throws IOException {
    this.rank = rank;
    this.size = size;
    int chunkBytes = options.chunkBytes();
    this.chunkElements = chunkBytes / Float.BYTES;
    this.codec = WireCodec.of(options.compression());
    long timeout = options.timeout().toNanos();
    this.toNext = new RingLink(next, nextPeer, timeout, true);
    this.fromPrev = new RingLink(prev, prevPeer, timeout, false);
    this.queue = new OpQueue(timeout, fromPrev::stop);
    this.broadcast = new BroadcastOp(rank, size, chunkElements);
    this.gather = new GatherOp(rank, size, chunkBytes);
    String prefix = "orca-ring-" + options.name() + "-" + rank;
    this.sender = new Thread(new Sender(queue, toNext, chunkBytes), prefix + "-send");
    this.receiver = new Thread(new Receiver(queue, fromPrev, chunkBytes), prefix + "-recv");
    sender.setDaemon(true);
    receiver.setDaemon(true);
    sender.start();
    receiver.start();
  }

  /**
   * Throws the {@link dev.orca.collective.RingException} that broke the ring, if it is broken;
   * {@code call} names what the caller was about to do.
   */
  public void checkNotBroken(String call) {
    queue.checkNotBroken(call);
  }

  /**
   * Starts the sum of {@code buffer[offset, offset+length)}; {@link #awaitReduces()} waits. Never
   * throws a ring failure: that is for {@link #awaitReduces()}.
   */
  public void postReduce(FloatBuffer buffer, int offset, int length) {
    ReduceOp op =
        freeReduces.isEmpty()
            ? new ReduceOp(rank, size, codec, chunkElements)
            : freeReduces.pollFirst();
    op.reset(buffer, offset, length);
    postedReduces.add(op);
    queue.post(op);
  }

  /**
   * Waits for every posted reduction (they complete in order) and recycles them; throws the ring's
   * failure if one of them, or the ring before them, failed.
   */
  public void awaitReduces() {
    try {
      if (!postedReduces.isEmpty()) {
        queue.awaitDone(postedReduces.get(postedReduces.size() - 1));
      }
    } finally {
      for (ReduceOp op : postedReduces) {
        op.release();
        freeReduces.addLast(op);
      }
      postedReduces.clear();
    }
  }

  /** Copies rank 0's {@code buffer[offset, offset+length)} to every worker; blocks. */
  public void broadcast(FloatBuffer buffer, int offset, int length) {
    broadcast.reset(buffer, offset, length);
    try {
      queue.post(broadcast);
      queue.awaitDone(broadcast);
    } finally {
      broadcast.release();
    }
  }

  /** Replaces {@code values} by their sum over all workers, summed in rank order; blocks. */
  public void allReduce(double[] values) {
    gather.reset(values);
    queue.post(gather);
    queue.awaitDone(gather);
    gather.sumInto(values);
  }

  /**
   * This worker gives up: the ring fails here with {@code reason}, the sender tells the next worker
   * why (bounded by its abort wait), and the session closes. Every peer then fails at once, its
   * error naming this worker and the reason, instead of waiting out its timeout.
   */
  public void abort(String reason) {
    if (closed) {
      return;
    }
    queue.fail(new RingException(reason, null, true));
    join(sender); // it has told the next worker why
    join(receiver);
    fromPrev.drainUntilPeerCloses(ABORT_DRAIN_NANOS);
    close();
  }

  /** Stops the threads and closes both connections; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.stop();
    toNext.stop();
    fromPrev.stop();
    join(sender);
    join(receiver);
    toNext.close();
    fromPrev.close();
  }

  private static void join(Thread t) {
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

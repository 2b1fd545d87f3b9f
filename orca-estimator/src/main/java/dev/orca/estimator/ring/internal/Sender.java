package dev.orca.estimator.ring.internal;

import dev.orca.estimator.ring.RingException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The thread that writes to the next worker: for each posted operation its OP header, then its
 * chunks in schedule order, each one as soon as the chunk it depends on has been received. When
 * the ring fails elsewhere it tells the next worker why (an ABORT frame) before closing.
 */
final class Sender implements Runnable {
  private static final long ABORT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final OpQueue queue;
  private final RingLink link;
  private final ChunkBuffer chunk;

  Sender(OpQueue queue, RingLink link, int chunkBytes) {
    this.queue = queue;
    this.link = link;
    this.chunk = new ChunkBuffer(chunkBytes);
  }

  @Override
  public void run() {
    RingOp op = null;
    try {
      while ((op = queue.nextToSend()) != null) {
        send(op);
        queue.sent(op);
      }
    } catch (LinkFailure e) {
      if (!e.stopped()) {
        queue.fail(new RingException(op.describe() + ": " + e.getMessage(), e.getCause()));
      }
    } catch (InterruptedException e) {
      queue.fail(new RingException("the sender thread of the ring was interrupted", e));
    } catch (RuntimeException | Error e) {
      queue.fail(new RingException((op == null ? "" : op.describe() + ": ")
          + "the sender thread failed: " + e, e));
    } finally {
      RingException failure = queue.failure();
      if (failure != null) {
        link.writeAbort(failure.getMessage(), ABORT_WAIT_NANOS);
      }
      link.close();
    }
  }

  private void send(RingOp op) throws LinkFailure, InterruptedException {
    link.writeOp(op);
    int steps = op.sendSteps();
    for (int s = 0; s < steps; s++) {
      int dependency = op.sendDependency(s);
      long received = dependency < 0 ? 0 : op.recvBase + op.recvChunksBefore(dependency);
      int chunks = op.sendChunks(s);
      for (int k = 0; k < chunks; k++) {
        if (dependency >= 0) {
          queue.awaitReceived(received + k + 1, op);
        }
        ByteBuffer payload = op.sendDirect(s, k);
        link.writeData(payload != null ? payload : chunk.payload(op.encode(s, k, chunk)));
        queue.sentChunk();
      }
    }
  }
}

package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The thread that writes to the next worker: for each posted operation its OP header, then its
 * chunks in schedule order, each one as soon as the chunk it depends on has been received. When the
 * ring fails elsewhere it tells the next worker why (an ABORT frame) before closing, after the OP
 * header of an operation that was posted but not yet started.
 */
final class Sender extends RingThread {
  private static final long ABORT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

  Sender(OpQueue queue, RingLink link, int chunkBytes) {
    super("sender", queue, link, chunkBytes);
  }

  @Override
  RingOp next() throws InterruptedException {
    return queue.nextToSend();
  }

  @Override
  void process(RingOp op) throws LinkFailure, InterruptedException {
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
        op.beforeSend(s, k);
        ByteBuffer payload = op.sendDirect(s, k);
        link.writeData(payload != null ? payload : chunk.payload(op.encode(s, k, chunk)));
        op.afterSend(s, k);
        queue.sentChunk();
      }
    }
  }

  @Override
  void done(RingOp op) {
    queue.sent(op);
  }

  @Override
  void finish(RingOp unfinished) {
    RingException failure = queue.failure();
    if (failure != null) {
      // between operations, the header of the next posted one goes first: the next worker then
      // checks it against its own and names a mismatch itself, whichever worker noticed first
      RingOp announce = unfinished == null ? queue.firstUnsent() : null;
      link.writeAbort(announce, failure.getMessage(), failure.workerGaveUp(), ABORT_WAIT_NANOS);
    }
    link.close();
  }
}

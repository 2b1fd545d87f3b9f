package dev.orca.estimator.ring.internal;

import dev.orca.estimator.ring.RingException;
import java.nio.ByteBuffer;

/**
 * The thread that reads from the previous worker: for each posted operation it checks the peer's
 * OP header against its own, then reads the chunks and adds or copies each into the buffer while
 * the next one is still on the wire.
 */
final class Receiver implements Runnable {
  private final OpQueue queue;
  private final RingLink link;
  private final ChunkBuffer chunk;

  Receiver(OpQueue queue, RingLink link, int chunkBytes) {
    this.queue = queue;
    this.link = link;
    this.chunk = new ChunkBuffer(chunkBytes);
  }

  @Override
  public void run() {
    RingOp op = null;
    try {
      while ((op = queue.nextToReceive()) != null) {
        receive(op);
        queue.received(op);
      }
    } catch (LinkFailure e) {
      if (!e.stopped()) {
        queue.fail(new RingException(op.describe() + ": " + e.getMessage(), e.getCause()));
      }
    } catch (InterruptedException e) {
      queue.fail(new RingException("the receiver thread of the ring was interrupted", e));
    } catch (RuntimeException | Error e) {
      queue.fail(new RingException((op == null ? "" : op.describe() + ": ")
          + "the receiver thread failed: " + e, e));
    }
    // the link stays open until the session closes: closing it now would reset the previous
    // worker's connection and make it report this worker, not the one that really failed
  }

  private void receive(RingOp op) throws LinkFailure {
    link.readOp();
    if (link.peerSeq != op.seq || link.peerKind != op.kind() || link.peerOffset != op.offset()
        || link.peerLength != op.length()) {
      throw new LinkFailure(link.peer() + " runs "
          + RingOp.describe(link.peerKind, link.peerSeq, link.peerOffset, link.peerLength)
          + " where this worker runs " + op.describe() + ": every worker must make the same calls "
          + "in the same order, with the same buffer ranges", null, false);
    }
    int steps = op.recvSteps();
    for (int s = 0; s < steps; s++) {
      int chunks = op.recvChunks(s);
      for (int k = 0; k < chunks; k++) {
        ByteBuffer target = op.receiveDirect(s, k);
        if (target != null) {
          link.readData(target);
        } else {
          link.readData(chunk.payload(op.payloadBytes(s, k)));
          op.decode(s, k, chunk);
        }
        queue.receivedChunk();
      }
    }
  }
}

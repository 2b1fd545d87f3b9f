package dev.orca.collective.internal;

import java.nio.ByteBuffer;

/**
 * The thread that reads from the previous worker: for each posted operation it checks the peer's OP
 * header against its own, then reads the chunks and adds or copies each into the buffer while the
 * next one is still on the wire.
 */
final class Receiver extends RingThread {

  Receiver(OpQueue queue, RingLink link, int chunkBytes) {
    super("receiver", queue, link, chunkBytes);
  }

  @Override
  RingOp next() throws InterruptedException {
    return queue.nextToReceive();
  }

  @Override
  void process(RingOp op) throws LinkFailure {
    link.readOp();
    if (link.peerSeq != op.seq
        || link.peerKind != op.kind()
        || link.peerOffset != op.offset()
        || link.peerLength != op.length()) {
      throw new LinkFailure(
          link.peer()
              + " runs "
              + RingOp.describe(link.peerKind, link.peerSeq, link.peerOffset, link.peerLength)
              + " where this worker runs "
              + op.describe()
              + ": every worker must make the same calls "
              + "in the same order, with the same buffer ranges",
          null,
          false);
    }
    int steps = op.recvSteps();
    for (int s = 0; s < steps; s++) {
      int chunks = op.recvChunks(s);
      for (int k = 0; k < chunks; k++) {
        op.beforeReceive(s, k);
        ByteBuffer target = op.receiveDirect(s, k);
        if (target != null) {
          link.readData(target);
        } else {
          link.readData(chunk.payload(op.payloadBytes(s, k)));
          op.decode(s, k, chunk);
        }
        op.afterReceive(s, k);
        queue.receivedChunk();
      }
    }
  }

  @Override
  void done(RingOp op) {
    queue.received(op);
  }

  @Override
  void finish(RingOp unfinished) {
    // the link stays open until the session closes: closing it now would reset the previous
    // worker's connection and make it report this worker, not the one that really failed
  }
}

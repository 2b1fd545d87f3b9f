package dev.orca.collective.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One direction of a TCP connection to a ring neighbour, in frames: the socket adapter of the ring.
 * The channel is non-blocking with a selector of its own, so that every read and write has a
 * timeout (a blocking channel has none) and can be woken by {@link #stop()}. The timeout counts
 * from the last byte that moved, so a slow but live peer never times out.
 *
 * <p>A frame is an 8-byte header (type, payload length) and its payload. OP frames open each
 * operation and let the receiver check that both workers run the same one; DATA frames carry
 * chunks; an ABORT frame carries the reason a worker gave up, so the next worker can say who really
 * failed.
 */
final class RingLink implements Closeable {
  static final int FRAME_OP = 0x4f50;
  static final int FRAME_DATA = 0x4441;
  static final int FRAME_ABORT = 0x4142;

  /** An ABORT whose cause is a worker that gave up on an error of its own (not a lost worker). */
  static final int FRAME_ABORT_GAVE_UP = 0x4147;

  private static final int OP_BYTES = 24;
  private static final int MAX_ABORT_BYTES = 64 << 10;
  private static final Consumer<SelectionKey> IGNORE = key -> {};

  private final SocketChannel channel;
  private final Selector selector;
  private final String peer;
  private final long timeoutNanos;
  private final ByteBuffer header = ByteBuffer.allocateDirect(8);
  private final ByteBuffer op = ByteBuffer.allocateDirect(OP_BYTES);
  private final ByteBuffer[] frame = new ByteBuffer[2];
  private volatile boolean stopping;
  private boolean midFrame;
  private boolean broken;

  /** The last OP header read: the peer's operation. */
  long peerSeq;

  int peerKind;
  long peerOffset;
  long peerLength;

  /** Wraps a connected channel used for writing ({@code forWriting}) or for reading. */
  RingLink(SocketChannel channel, String peer, long timeoutNanos, boolean forWriting)
      throws IOException {
    this.channel = channel;
    this.peer = peer;
    this.timeoutNanos = timeoutNanos;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    channel.register(selector, forWriting ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  /** "worker rank 1 at 127.0.0.1:40123 (next in the ring)". */
  String peer() {
    return peer;
  }

  void writeOp(RingOp o) throws LinkFailure {
    writeFrame(FRAME_OP, opHeader(o), timeoutNanos);
  }

  void writeData(ByteBuffer payload) throws LinkFailure {
    writeFrame(FRAME_DATA, payload, timeoutNanos);
  }

  /**
   * Tells the peer why this worker gives up, if the stream is still at a frame boundary and
   * healthy; best effort within {@code waitNanos} per frame. {@code announce}, if not null, is an
   * operation whose OP header the peer has not had yet: it goes first, so that the peer checks it
   * against its own operation before it reads the reason.
   */
  void writeAbort(RingOp announce, String message, boolean workerGaveUp, long waitNanos) {
    if (midFrame || broken) {
      return;
    }
    long wait = Math.min(waitNanos, timeoutNanos);
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    try {
      if (announce != null) {
        writeFrame(FRAME_OP, opHeader(announce), wait);
      }
      writeFrame(
          workerGaveUp ? FRAME_ABORT_GAVE_UP : FRAME_ABORT,
          ByteBuffer.wrap(text, 0, Math.min(text.length, MAX_ABORT_BYTES)),
          wait);
    } catch (LinkFailure e) {
      // the peer is gone too; it will find out on its own
    }
  }

  private ByteBuffer opHeader(RingOp o) {
    op.clear();
    op.putLong(o.seq).putInt(o.kind()).putInt((int) o.length()).putLong(o.offset()).flip();
    return op;
  }

  private void writeFrame(int type, ByteBuffer payload, long timeout) throws LinkFailure {
    header.clear();
    header.putInt(type).putInt(payload.remaining()).flip();
    frame[0] = header;
    frame[1] = payload;
    midFrame = true;
    writeFully(frame, timeout);
    midFrame = false;
  }

  private void writeFully(ByteBuffer[] buffers, long timeout) throws LinkFailure {
    long idleSince = System.nanoTime();
    while (buffers[0].hasRemaining() || buffers[1].hasRemaining()) {
      long n;
      try {
        n = channel.write(buffers);
      } catch (IOException e) {
        throw lost(e).writing();
      }
      if (n > 0) {
        idleSince = System.nanoTime();
      } else {
        awaitReady(idleSince, timeout, "took no data");
      }
    }
  }

  /** Reads the next OP header into the {@code peer...} fields. */
  void readOp() throws LinkFailure {
    readHeader(FRAME_OP, OP_BYTES);
    op.clear();
    readFully(op);
    op.flip();
    peerSeq = op.getLong();
    peerKind = op.getInt();
    peerLength = op.getInt();
    peerOffset = op.getLong();
  }

  /** Reads the next DATA frame, which must carry exactly {@code payload.remaining()} bytes. */
  void readData(ByteBuffer payload) throws LinkFailure {
    readHeader(FRAME_DATA, payload.remaining());
    readFully(payload);
  }

  private void readHeader(int expectedType, int expectedLength) throws LinkFailure {
    header.clear();
    readFully(header);
    int type = header.getInt(0);
    int length = header.getInt(4);
    if ((type == FRAME_ABORT || type == FRAME_ABORT_GAVE_UP)
        && length >= 0
        && length <= MAX_ABORT_BYTES) {
      ByteBuffer text = ByteBuffer.allocate(length);
      readFully(text);
      broken = true;
      throw new LinkFailure(
              peer + " gave up: " + new String(text.array(), StandardCharsets.UTF_8),
              null,
              false,
              type == FRAME_ABORT_GAVE_UP)
          .aborted();
    }
    if (type != expectedType || length != expectedLength) {
      broken = true;
      throw new LinkFailure(
          peer
              + " sent a frame of type 0x"
              + Integer.toHexString(type)
              + " with "
              + length
              + " bytes where type 0x"
              + Integer.toHexString(expectedType)
              + " with "
              + expectedLength
              + " bytes was due: the workers run different Orca versions or settings",
          null,
          false);
    }
  }

  private void readFully(ByteBuffer buffer) throws LinkFailure {
    long idleSince = System.nanoTime();
    while (buffer.hasRemaining()) {
      int n;
      try {
        n = channel.read(buffer);
      } catch (IOException e) {
        throw lost(e);
      }
      if (n < 0) {
        broken = true;
        throw new LinkFailure(
            "lost connection to " + peer + ": it closed the connection", null, false);
      }
      if (n > 0) {
        idleSince = System.nanoTime();
      } else {
        awaitReady(idleSince, timeoutNanos, "sent nothing");
      }
    }
  }

  private void awaitReady(long idleSince, long timeout, String what) throws LinkFailure {
    if (stopping) {
      throw LinkFailure.stopped(peer);
    }
    long left = timeout - (System.nanoTime() - idleSince);
    if (left <= 0) {
      broken = true;
      throw new LinkFailure(
          "lost connection to "
              + peer
              + ": it "
              + what
              + " for "
              + Durations.text(timeout)
              + " (it is hung, far behind this worker, or unreachable; "
              + "RingOptions timeout sets how long to wait)",
          null,
          false);
    }
    try {
      selector.select(IGNORE, Math.max(1, left / 1_000_000 + 1));
    } catch (IOException e) {
      throw lost(e);
    }
  }

  private LinkFailure lost(IOException e) {
    broken = true;
    if (stopping) {
      return LinkFailure.stopped(peer);
    }
    return new LinkFailure("lost connection to " + peer + ": " + e.getMessage(), e, false);
  }

  /**
   * Reads and discards what the peer still sends until it closes its end, an error, or {@code
   * waitNanos}. A worker giving up keeps the connection from its previous worker open this long:
   * that worker learns why from the ABORT going round the ring and hangs up itself, instead of
   * seeing a reset connection and blaming the wrong worker.
   */
  void drainUntilPeerCloses(long waitNanos) {
    ByteBuffer scratch = ByteBuffer.allocate(64 << 10);
    long deadline = System.nanoTime() + waitNanos;
    try {
      for (long left = waitNanos; left > 0; left = deadline - System.nanoTime()) {
        scratch.clear();
        int n = channel.read(scratch);
        if (n < 0) {
          return;
        }
        if (n == 0) {
          selector.select(IGNORE, Math.max(1, left / 1_000_000 + 1));
        }
      }
    } catch (IOException e) {
      // the peer is gone: nothing to wait for
    }
  }

  /** Makes a blocked read or write give up; callable from any thread. */
  void stop() {
    stopping = true;
    selector.wakeup();
  }

  @Override
  public void close() {
    stopping = true;
    try {
      selector.close();
    } catch (IOException e) {
      // nothing left to release
    }
    try {
      channel.close();
    } catch (IOException e) {
      // closing a broken socket: nothing left to release
    }
  }
}

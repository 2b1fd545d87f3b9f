package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;

/**
 * The connection to the next worker while the ring forms: connect (retrying with back-off while the
 * next worker is not up yet), then the connector's side of the {@link Handshake}. A wrong secret or
 * a refusal by the next worker ends the forming at once with a message saying why; anything
 * transient is retried until the connect timeout.
 */
final class Outbound {
  private static final long FIRST_RETRY_NANOS = 50_000_000L;
  private static final long MAX_RETRY_NANOS = 1_000_000_000L;

  private enum State {
    WAITING,
    CONNECTING,
    CHALLENGE,
    VERDICT,
    DONE
  }

  private final RingFormation ring;
  private SocketChannel channel;
  private State state = State.WAITING;
  private ByteBuffer in;
  private byte[] nonceC;
  private long retryAt = Long.MAX_VALUE;
  private long backoff = FIRST_RETRY_NANOS;
  private String lastError;

  Outbound(RingFormation ring) {
    this.ring = ring;
  }

  SocketChannel connected() {
    return state == State.DONE ? channel : null;
  }

  long retryAt() {
    return state == State.WAITING ? retryAt : Long.MAX_VALUE;
  }

  String lastError() {
    return lastError;
  }

  void retryIfDue(long now) {
    if (state == State.WAITING && now >= retryAt) {
      start();
    }
  }

  void start() {
    try {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      RingFormation.noDelay(channel);
      state = State.CONNECTING;
      if (channel.connect(ring.next.socketAddress())) {
        sendHello(channel.register(ring.selector, 0, this));
      } else {
        channel.register(ring.selector, SelectionKey.OP_CONNECT, this);
      }
    } catch (IOException | UnresolvedAddressException e) {
      retryLater(e.toString());
    }
  }

  void handle(SelectionKey key) {
    try {
      if (state == State.CONNECTING && key.isConnectable()) {
        if (channel.finishConnect()) {
          sendHello(key);
        }
        return;
      }
      if (!key.isReadable()) {
        return;
      }
      if (channel.read(in) < 0) {
        retryLater("it closed the connection during the handshake");
        return;
      }
      if (in.hasRemaining()) {
        return;
      }
      in.flip();
      if (state == State.CHALLENGE) {
        onChallenge();
      } else if (state == State.VERDICT) {
        onVerdict(key);
      }
    } catch (IOException e) {
      retryLater(e.toString());
    }
  }

  private void sendHello(SelectionKey key) throws IOException {
    nonceC = ring.handshake.nonce();
    writeAll(Handshake.hello(nonceC));
    in = ByteBuffer.allocate(Handshake.CHALLENGE_BYTES);
    state = State.CHALLENGE;
    key.interestOps(SelectionKey.OP_READ);
  }

  private void onChallenge() throws IOException {
    long magic = in.getLong();
    int version = in.getInt();
    if (magic != Handshake.MAGIC || version != Handshake.VERSION) {
      throw new RingException(
          ring.self
              + ": "
              + ring.next
              + " is not an Orca ring endpoint of "
              + "protocol version "
              + Handshake.VERSION
              + " (it answered "
              + Handshake.firstBytes(in)
              + "): check the address list");
    }
    byte[] nonceA = new byte[Handshake.NONCE_BYTES];
    byte[] mac = new byte[Handshake.MAC_BYTES];
    in.get(nonceA).get(mac);
    // the proof goes out even if the acceptor's mac is wrong, so that its log can say why
    writeAll(ring.handshake.proof(nonceA, nonceC, ring.rank, ring.next.rank, ring.size));
    if (!ring.handshake.acceptorProven(nonceC, nonceA, mac)) {
      throw new RingException(
          ring.self
              + ": "
              + ring.next
              + " does not know this job's secret "
              + "(or belongs to a ring with another name): every worker of a job must use the same "
              + "RingOptions secret and name");
    }
    in = ByteBuffer.allocate(Handshake.VERDICT_BYTES);
    state = State.VERDICT;
  }

  private void onVerdict(SelectionKey key) {
    int code = in.getInt();
    if (code != Handshake.OK) {
      throw new RingException(ring.self + ": " + ring.next + " refused this worker: " + why(code));
    }
    key.interestOps(0);
    state = State.DONE;
  }

  private String why(int code) {
    switch (code) {
      case Handshake.WRONG_SECRET:
        return "wrong job secret or ring name";
      case Handshake.WRONG_RANK:
        return "it expected another rank or ring size; do all workers have the same address list "
            + "and distinct ranks?";
      case Handshake.WRONG_SETTINGS:
        return "its RingOptions chunkBytes or compression differ from this worker's ("
            + ring.handshake.chunkBytes
            + " bytes, "
            + Handshake.compressionName(ring.handshake.compression)
            + "); all workers need the same";
      case Handshake.DUPLICATE:
        return "another worker already connected to it as rank "
            + ring.rank
            + "; are two workers using the same rank?";
      default:
        return "code " + code;
    }
  }

  private void writeAll(ByteBuffer b) throws IOException {
    channel.write(b);
    if (b.hasRemaining()) {
      // a fresh socket always takes a few dozen bytes; anything else is a broken connection
      throw new IOException("the socket did not take " + b.capacity() + " handshake bytes");
    }
  }

  private void retryLater(String reason) {
    RingFormation.closeQuietly(channel);
    lastError = reason;
    state = State.WAITING;
    retryAt = System.nanoTime() + backoff;
    backoff = Math.min(2 * backoff, MAX_RETRY_NANOS);
  }

  void close() {
    RingFormation.closeQuietly(channel);
  }
}

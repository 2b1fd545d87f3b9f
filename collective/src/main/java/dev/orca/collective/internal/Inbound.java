package dev.orca.collective.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * An accepted connection while the ring forms: the acceptor's side of the {@link Handshake}.
 * Anything that is not the previous worker of this ring, with this job's secret and settings, is
 * refused.
 */
final class Inbound {
  private final RingFormation ring;
  final SocketChannel channel;
  final long deadline;
  final String remote;
  private ByteBuffer in = ByteBuffer.allocate(Handshake.HELLO_BYTES);
  private boolean helloDone;
  private byte[] nonceC;
  private byte[] nonceA;

  Inbound(RingFormation ring, SocketChannel channel, long deadline) {
    this.ring = ring;
    this.channel = channel;
    this.deadline = deadline;
    String r;
    try {
      r = String.valueOf(channel.getRemoteAddress());
    } catch (IOException e) {
      r = "an unknown address";
    }
    this.remote = r;
  }

  void handle(SelectionKey key) {
    try {
      if (channel.read(in) < 0) {
        ring.refuse(
            this,
            "closed",
            "it closed the connection during the handshake"
                + (in.position() == 0 ? " without sending anything (a port scanner?)" : ""));
        return;
      }
      if (in.hasRemaining()) {
        return;
      }
      in.flip();
      if (!helloDone) {
        onHello();
      } else {
        onProof(key);
      }
    } catch (IOException e) {
      ring.refuse(this, "socket", e.toString());
    }
  }

  private void onHello() throws IOException {
    long magic = in.getLong();
    int version = in.getInt();
    if (magic != Handshake.MAGIC) {
      in.position(in.limit());
      ring.refuse(
          this,
          "garbage",
          "not an Orca ring handshake (first bytes: " + Handshake.firstBytes(in) + ")");
      return;
    }
    if (version != Handshake.VERSION) {
      ring.refuse(
          this,
          "garbage",
          "ring protocol version " + version + ", this worker speaks " + Handshake.VERSION);
      return;
    }
    nonceC = new byte[Handshake.NONCE_BYTES];
    in.get(nonceC);
    nonceA = ring.handshake.nonce();
    if (!writeAll(ring.handshake.challenge(nonceC, nonceA))) {
      return;
    }
    helloDone = true;
    in = ByteBuffer.allocate(Handshake.PROOF_BYTES);
  }

  private void onProof(SelectionKey key) throws IOException {
    int[] fields = new int[5];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = in.getInt();
    }
    byte[] mac = new byte[Handshake.MAC_BYTES];
    in.get(mac);
    int fromRank = fields[0];
    int toRank = fields[1];
    int size = fields[2];
    if (!ring.handshake.connectorProven(nonceA, nonceC, fields, mac)) {
      reject(Handshake.WRONG_SECRET, "wrong secret", "wrong job secret or ring name");
    } else if (fields[3] != ring.handshake.chunkBytes || fields[4] != ring.handshake.compression) {
      reject(
          Handshake.WRONG_SETTINGS,
          "mismatch",
          "its chunkBytes "
              + fields[3]
              + " / compression "
              + Handshake.compressionName(fields[4])
              + " differ from this worker's "
              + ring.handshake.chunkBytes
              + " / "
              + Handshake.compressionName(ring.handshake.compression));
    } else if (fromRank != ring.prev.rank || toRank != ring.rank || size != ring.size) {
      reject(
          Handshake.WRONG_RANK,
          "mismatch",
          "it is rank "
              + fromRank
              + " of "
              + size
              + " connecting to rank "
              + toRank
              + ", but this worker is rank "
              + ring.rank
              + " of "
              + ring.size
              + " and waits for rank "
              + ring.prev.rank);
    } else if (ring.hasPrevious()) {
      reject(Handshake.DUPLICATE, "mismatch", "a second connection as rank " + fromRank);
    } else if (writeAll(Handshake.verdict(Handshake.OK))) {
      key.cancel();
      RingFormation.noDelay(channel);
      ring.admit(this);
    }
  }

  private void reject(int code, String kind, String reason) {
    try {
      channel.write(Handshake.verdict(code));
    } catch (IOException e) {
      // it is refused either way
    }
    ring.refuse(this, kind, reason);
  }

  private boolean writeAll(ByteBuffer b) throws IOException {
    channel.write(b);
    if (b.hasRemaining()) {
      ring.refuse(this, "socket", "the socket did not take " + b.capacity() + " handshake bytes");
      return false;
    }
    return true;
  }
}

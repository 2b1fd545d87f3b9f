package dev.orca.benchmarks.ring;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The baseline: one TCP stream between the two processes, moving a buffer's worth of bytes in one
 * direction with large writes from a direct buffer, as fast as the connection goes.
 */
final class RawStream {
  static final int BLOCK = 4 << 20;

  private RawStream() {}

  static void tune(SocketChannel ch) throws IOException {
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
  }

  /** Sends {@code bytes} and waits for the receiver's one-byte acknowledgement. */
  static void send(SocketChannel ch, ByteBuffer block, long bytes) throws IOException {
    long left = bytes;
    while (left > 0) {
      block.clear().limit((int) Math.min(block.capacity(), left));
      while (block.hasRemaining()) {
        left -= ch.write(block);
      }
    }
    ByteBuffer ack = ByteBuffer.allocate(1);
    while (ack.hasRemaining()) {
      if (ch.read(ack) < 0) {
        throw new IOException("the receiver closed the raw stream");
      }
    }
  }

  /** Receives {@code bytes} and acknowledges them with one byte. */
  static void receive(SocketChannel ch, ByteBuffer block, long bytes) throws IOException {
    long left = bytes;
    while (left > 0) {
      block.clear().limit((int) Math.min(block.capacity(), left));
      while (block.hasRemaining()) {
        int n = ch.read(block);
        if (n < 0) {
          throw new IOException("the sender closed the raw stream");
        }
        left -= n;
      }
    }
    ch.write(ByteBuffer.wrap(new byte[] {1}));
  }
}

package dev.orca.launcher.barrier;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lines of UTF-8 text from a (buffered) stream, each at most {@code max} bytes: a longer one is a
 * protocol error ({@link TooLong}), read no further, so the other end cannot make this one hold an
 * unbounded line. Holds no read-ahead of its own: several may read one stream in turn.
 */
final class BoundedLines {
  private final InputStream in;
  private final int max;
  private byte[] line = new byte[128];

  BoundedLines(InputStream in, int max) {
    this.in = in;
    this.max = max;
  }

  /** The next line, without its {@code '\n'}; null at the end of the stream. */
  String next() throws IOException {
    int n = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        return null; // a line cut short by the end of the stream is no message
      }
      if (b == '\n') {
        return new String(line, 0, n, StandardCharsets.UTF_8);
      }
      if (n == max) {
        throw new TooLong(max);
      }
      if (n == line.length) {
        line = Arrays.copyOf(line, Math.min(max, 2 * n));
      }
      line[n++] = (byte) b;
    }
  }

  /** A line longer than the limit came. */
  static final class TooLong extends IOException {
    private static final long serialVersionUID = 1L;

    TooLong(int max) {
      super("a line longer than " + max + " bytes");
    }
  }
}

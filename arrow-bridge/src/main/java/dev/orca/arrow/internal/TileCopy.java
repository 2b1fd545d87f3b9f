package dev.orca.arrow.internal;

import java.nio.ByteOrder;
import org.apache.spark.unsafe.Platform;

/**
 * The copy of a tile of rows from adjacent float columns of Spark's cache ({@link CachedColumn})
 * into row-major block memory: up to eight columns per pass over the tile, two floats per store, so
 * each row's values are written together and the loop costs less per value than one column at a
 * time (measured: 0.57 against 0.85 ns per value, 32 columns, warm memory).
 */
final class TileCopy {
  private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
  private static final int EXPONENT = 0x7f800000;
  private static final int EXPONENT_ONE = 0x00800000;

  private TileCopy() {}

  /**
   * Copies rows {@code from} to {@code from + rows - 1} of the float columns held in {@code
   * columns[first]} to {@code columns[first + count - 1]}, which are adjacent in the block, into
   * the rows at {@code to} ({@code rowBytes} apart); true if any value was NaN or infinite.
   */
  static boolean floats(
      byte[][] columns, int first, int count, int from, int rows, long to, long rowBytes) {
    int flags = 0;
    int c = 0;
    for (; count - c >= 8; c += 8) {
      flags |= eight(columns, first + c, from, rows, to + 4L * c, rowBytes);
    }
    if (count - c >= 4) {
      flags |= four(columns, first + c, from, rows, to + 4L * c, rowBytes);
      c += 4;
    }
    if (count - c >= 2) {
      flags |= two(columns, first + c, from, rows, to + 4L * c, rowBytes);
      c += 2;
    }
    if (count - c == 1) {
      flags |= one(columns[first + c], from, rows, to + 4L * c, rowBytes);
    }
    return flags < 0;
  }

  /**
   * Sets the sign bit if {@code bits} is a NaN or an infinity (every exponent bit set): one more in
   * the exponent then carries into the sign. Or-ed over many values, the sign says if any was.
   */
  private static int flag(int bits) {
    return (bits & EXPONENT) + EXPONENT_ONE;
  }

  /** Two floats as one 8-byte store, {@code a} at the lower address. */
  private static long pair(int a, int b) {
    return LITTLE ? (a & 0xffffffffL) | ((long) b << 32) : (b & 0xffffffffL) | ((long) a << 32);
  }

  private static int eight(byte[][] columns, int s, int from, int rows, long to, long rowBytes) {
    byte[] c0 = columns[s];
    byte[] c1 = columns[s + 1];
    byte[] c2 = columns[s + 2];
    byte[] c3 = columns[s + 3];
    byte[] c4 = columns[s + 4];
    byte[] c5 = columns[s + 5];
    byte[] c6 = columns[s + 6];
    byte[] c7 = columns[s + 7];
    long at = CachedColumn.offset(from, Float.BYTES);
    int flags = 0;
    for (int i = 0; i < rows; i++) {
      long o = at + (long) i * Float.BYTES;
      int x0 = Platform.getInt(c0, o);
      int x1 = Platform.getInt(c1, o);
      int x2 = Platform.getInt(c2, o);
      int x3 = Platform.getInt(c3, o);
      int x4 = Platform.getInt(c4, o);
      int x5 = Platform.getInt(c5, o);
      int x6 = Platform.getInt(c6, o);
      int x7 = Platform.getInt(c7, o);
      flags |=
          flag(x0) | flag(x1) | flag(x2) | flag(x3) | flag(x4) | flag(x5) | flag(x6) | flag(x7);
      long d = to + i * rowBytes;
      Platform.putLong(null, d, pair(x0, x1));
      Platform.putLong(null, d + 8, pair(x2, x3));
      Platform.putLong(null, d + 16, pair(x4, x5));
      Platform.putLong(null, d + 24, pair(x6, x7));
    }
    return flags;
  }

  private static int four(byte[][] columns, int s, int from, int rows, long to, long rowBytes) {
    byte[] c0 = columns[s];
    byte[] c1 = columns[s + 1];
    byte[] c2 = columns[s + 2];
    byte[] c3 = columns[s + 3];
    long at = CachedColumn.offset(from, Float.BYTES);
    int flags = 0;
    for (int i = 0; i < rows; i++) {
      long o = at + (long) i * Float.BYTES;
      int x0 = Platform.getInt(c0, o);
      int x1 = Platform.getInt(c1, o);
      int x2 = Platform.getInt(c2, o);
      int x3 = Platform.getInt(c3, o);
      flags |= flag(x0) | flag(x1) | flag(x2) | flag(x3);
      long d = to + i * rowBytes;
      Platform.putLong(null, d, pair(x0, x1));
      Platform.putLong(null, d + 8, pair(x2, x3));
    }
    return flags;
  }

  private static int two(byte[][] columns, int s, int from, int rows, long to, long rowBytes) {
    byte[] c0 = columns[s];
    byte[] c1 = columns[s + 1];
    long at = CachedColumn.offset(from, Float.BYTES);
    int flags = 0;
    for (int i = 0; i < rows; i++) {
      long o = at + (long) i * Float.BYTES;
      int x0 = Platform.getInt(c0, o);
      int x1 = Platform.getInt(c1, o);
      flags |= flag(x0) | flag(x1);
      Platform.putLong(null, to + i * rowBytes, pair(x0, x1));
    }
    return flags;
  }

  private static int one(byte[] c0, int from, int rows, long to, long rowBytes) {
    long at = CachedColumn.offset(from, Float.BYTES);
    int flags = 0;
    for (int i = 0; i < rows; i++) {
      int x0 = Platform.getInt(c0, at + (long) i * Float.BYTES);
      flags |= flag(x0);
      Platform.putInt(null, to + i * rowBytes, x0);
    }
    return flags;
  }
}

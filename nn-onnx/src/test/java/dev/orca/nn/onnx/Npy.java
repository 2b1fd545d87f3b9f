package dev.orca.nn.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the .npy files the fixture script writes: little-endian float32 or int64, C order. */
record Npy(long[] shape, float[] values) {
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");

  static Npy read(InputStream in) throws IOException {
    byte[] all = in.readAllBytes();
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (all[0] != (byte) 0x93 || all[1] != 'N') {
      throw new IOException("not an .npy file");
    }
    int major = all[6];
    int headerLen = major == 1 ? (b.getShort(8) & 0xffff) : b.getInt(8);
    int start = major == 1 ? 10 : 12;
    String header = new String(all, start, headerLen, StandardCharsets.ISO_8859_1);
    Matcher s = SHAPE.matcher(header);
    Matcher d = DESCR.matcher(header);
    if (!s.find() || !d.find() || header.contains("'fortran_order': True")) {
      throw new IOException("unexpected .npy header " + header);
    }
    long[] shape =
        Arrays.stream(s.group(1).split(","))
            .map(String::trim)
            .filter(x -> !x.isEmpty())
            .mapToLong(Long::parseLong)
            .toArray();
    int n = (int) Arrays.stream(shape).reduce(1, (x, y) -> x * y);
    float[] v = new float[n];
    int at = start + headerLen;
    switch (d.group(1)) {
      case "<f4":
        for (int i = 0; i < n; i++) {
          v[i] = b.getFloat(at + 4 * i);
        }
        break;
      case "<i8":
        for (int i = 0; i < n; i++) {
          v[i] = b.getLong(at + 8 * i);
        }
        break;
      default:
        throw new IOException("unexpected .npy type " + d.group(1));
    }
    return new Npy(shape, v);
  }
}

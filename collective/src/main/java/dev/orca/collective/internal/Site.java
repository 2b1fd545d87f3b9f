package dev.orca.collective.internal;

import dev.orca.collective.RingOptions;
import dev.orca.collective.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where one worker runs, as it tells the others while the ring forms: the host it counts as being
 * on (what decides who can share memory), its JVM, its process and the transport it asks for.
 *
 * <p>A host is identified by the kernel's boot id and the device of the shared-memory directory:
 * two processes share memory exactly when both are equal (containers of one machine see the same
 * boot id but often a /dev/shm of their own). Where neither can be read, each JVM counts as a host
 * of its own, so that only workers of one JVM share memory.
 */
record Site(String hostKey, String jvmKey, long pid, Transport asked) {
  private static final int BYTES_PER_DOUBLE = 6; // below 2^53: every double holds its bytes exactly

  /** The longest encoding, in doubles: the length and the bytes. */
  static final int DOUBLES = 1 + 256 / BYTES_PER_DOUBLE;

  /** This JVM, told apart from every other by a random id drawn once. */
  static final String JVM_KEY = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());

  static final long PID = ProcessHandle.current().pid();

  /** The site of a worker of this JVM with {@code options}. */
  static Site of(RingOptions options) {
    String host =
        options.hostGroup() != null
            ? "group:" + options.hostGroup()
            : machine(options.sharedMemoryDirectory());
    return new Site(host, JVM_KEY, PID, options.transport());
  }

  private static String machine(Path shm) {
    try {
      String boot =
          Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII)
              .trim();
      Object device = Files.getAttribute(shm, "unix:dev");
      return "boot:" + boot + ":" + device;
    } catch (IOException | RuntimeException e) {
      return "jvm:" + JVM_KEY; // no way to know who shares this machine's memory: nobody
    }
  }

  /** This site as doubles, for the ring's gather. */
  double[] encode() {
    byte[] b =
        (hostKey + "|" + jvmKey + "|" + pid + "|" + asked.name()).getBytes(StandardCharsets.UTF_8);
    if (b.length > (DOUBLES - 1) * BYTES_PER_DOUBLE) {
      throw new IllegalStateException("site too long to exchange: " + b.length + " bytes");
    }
    double[] d = new double[DOUBLES];
    d[0] = b.length;
    for (int i = 0; i < b.length; i++) {
      int slot = 1 + i / BYTES_PER_DOUBLE;
      long bits = (long) d[slot];
      bits |= (b[i] & 0xffL) << (8 * (i % BYTES_PER_DOUBLE));
      d[slot] = bits;
    }
    return d;
  }

  /** Reads a site from {@code d[from, from + DOUBLES)}; null if it is not one. */
  static Site decode(double[] d, int from) {
    int length = (int) d[from];
    if (length <= 0 || length > (DOUBLES - 1) * BYTES_PER_DOUBLE) {
      return null;
    }
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      long bits = (long) d[from + 1 + i / BYTES_PER_DOUBLE];
      b[i] = (byte) (bits >>> (8 * (i % BYTES_PER_DOUBLE)));
    }
    String[] parts = new String(b, StandardCharsets.UTF_8).split("\\|");
    if (parts.length != 4) {
      return null;
    }
    try {
      return new Site(parts[0], parts[1], Long.parseLong(parts[2]), Transport.valueOf(parts[3]));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}

package dev.orca.collective.internal;

import dev.orca.common.StaleSharedMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The float buffers of this process that live in files of a tmpfs directory, so that the other
 * members of a host group map them and sum straight from and into them (no copy through the
 * segment's slots). A file is named {@code orca-ring-<pid>-<token>.shm}: the pid lets {@link
 * StaleSharedMemory} remove it once its process is gone, the random token (published in the
 * member's descriptors) tells the others which file to map.
 */
public final class SharedBuffers {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The buffers of this process by the address of their first float. */
  private static final ConcurrentSkipListMap<Long, Buffer> BY_ADDRESS =
      new ConcurrentSkipListMap<>();

  private SharedBuffers() {}

  /** One buffer: its file, its mapping and where it starts in memory. */
  public static final class Buffer {
    final Path directory;
    final Path file;
    final long token;
    final long address;
    final long floats;
    private MappedByteBuffer mapping;

    private Buffer(Path directory, Path file, long token, MappedByteBuffer mapping, long floats) {
      this.directory = directory;
      this.file = file;
      this.token = token;
      this.mapping = mapping;
      this.floats = floats;
      this.address = DirectBytes.address(mapping);
    }

    public Path file() {
      return file;
    }

    /** A native-order view of the floats. */
    public FloatBuffer floats() {
      return mapping.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * Removes the name and releases this process's mapping; members that mapped it keep theirs
     * until their ring closes. Idempotent; nothing may touch the floats afterwards.
     */
    public synchronized void release() throws IOException {
      if (mapping == null) {
        return;
      }
      BY_ADDRESS.remove(address);
      try {
        Files.deleteIfExists(file);
      } finally {
        Unmapper.release(mapping);
        mapping = null;
      }
    }
  }

  /** Where a posted buffer lives: its file's token and the float index it starts at there. */
  record Location(long token, long firstFloat) {}

  static String fileName(long pid, long token) {
    return StaleSharedMemory.SEGMENT_PREFIX
        + pid
        + "-"
        + String.format("%016x", token)
        + SegmentMemory.SUFFIX;
  }

  /**
   * A new buffer of {@code floats} zeros in {@code directory}, readable by this user only. Fails if
   * the JVM does not let the ring read buffer addresses ({@code --add-opens java.base/java.nio}).
   */
  public static Buffer allocate(Path directory, int floats) throws IOException {
    if (!DirectBytes.addressesReadable()) {
      throw new IOException(
          "the JVM hides direct buffer addresses: add --add-opens java.base/java.nio=ALL-UNNAMED");
    }
    long token;
    Path file;
    do {
      token = RANDOM.nextLong() & Long.MAX_VALUE;
      file = directory.resolve(fileName(Site.PID, token));
    } while (Files.exists(file));
    Files.createFile(file, SegmentMemory.OWNER_ONLY);
    boolean ok = false;
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // write the zeros rather than let the mapping grow the file: a full tmpfs then fails here
      // with an IOException, not later with a SIGBUS when the memory is first touched
      ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
      for (long at = 0, bytes = (long) floats * Float.BYTES; at < bytes; ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - at));
        at += ch.write(zeros, at);
      }
      MappedByteBuffer mapping =
          ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) floats * Float.BYTES);
      Buffer b = new Buffer(directory, file, token, mapping, floats);
      BY_ADDRESS.put(b.address, b);
      ok = true;
      return b;
    } finally {
      if (!ok) {
        Files.deleteIfExists(file);
      }
    }
  }

  /**
   * Where {@code buffer}'s floats [offset, offset + length) are, if they lie in a shared buffer of
   * {@code directory}; null otherwise (the ring then copies them through the segment).
   */
  static Location locate(FloatBuffer buffer, Path directory, int offset, int length) {
    if (directory == null || BY_ADDRESS.isEmpty() || !buffer.isDirect()) {
      return null;
    }
    long at = DirectBytes.address(buffer);
    if (at == 0 || buffer.order() != ByteOrder.nativeOrder()) {
      return null;
    }
    Map.Entry<Long, Buffer> e = BY_ADDRESS.floorEntry(at);
    if (e == null) {
      return null;
    }
    Buffer b = e.getValue();
    long first = (at - b.address) / Float.BYTES;
    if ((at - b.address) % Float.BYTES != 0
        || first + offset + length > b.floats
        || !b.directory.equals(directory)) {
      return null;
    }
    return new Location(b.token, first);
  }

  /**
   * Maps member {@code pid}'s buffer {@code token} read-write (release it with {@link
   * Unmapper#release}); throws if it is not there.
   */
  static MappedByteBuffer map(Path directory, long pid, long token) throws IOException {
    Path file = directory.resolve(fileName(pid, token));
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
    }
  }
}

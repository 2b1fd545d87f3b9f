package dev.orca.collective.internal;

import dev.orca.common.StaleSharedMemory;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The memory of a host group whose members are processes: a file in a tmpfs directory (/dev/shm),
 * mapped by every member. The first member creates it under a temporary name, lays out its header
 * and renames it, so the others never see it half made; once every member has mapped it the first
 * one deletes the name, so that nothing is left in the directory whatever happens to the processes
 * afterwards. The mapping itself is released at {@link #leave}.
 */
final class SegmentMemory extends GroupMemory {
  static final String PREFIX = StaleSharedMemory.SEGMENT_PREFIX;
  static final String SUFFIX = ".shm";

  /** Segments and shared buffers are readable and writable by this user only. */
  static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private final Path file;
  private final MappedByteBuffer mapping;

  private SegmentMemory(
      Path file,
      MappedByteBuffer mapping,
      int members,
      int window,
      int chunk,
      boolean hostWindows) {
    super(
        mapping.slice(0, Control.bytes(members)).order(ByteOrder.nativeOrder()),
        mapping.slice(Control.bytes(members), (int) slotBytes(members, window, chunk)),
        hostWindows
            ? mapping.slice(
                Control.bytes(members) + (int) slotBytes(members, window, chunk),
                (int) areaBytes(window, chunk))
            : null,
        members,
        window,
        chunk);
    this.file = file;
    this.mapping = mapping;
  }

  /** The file name of the segment the member {@code creatorPid} makes for a ring. */
  static String fileName(long creatorPid, String digest) {
    return PREFIX + creatorPid + "-" + digest + SUFFIX;
  }

  static long size(int members, int window, int chunk, boolean hostWindows) {
    return Control.bytes(members)
        + slotBytes(members, window, chunk)
        + (hostWindows ? areaBytes(window, chunk) : 0);
  }

  /**
   * Creates, sizes and maps {@code dir/name}, readable by this user only; {@code header} lays out
   * its header before it appears under that name.
   */
  static SegmentMemory create(
      Path dir,
      String name,
      int members,
      int window,
      int chunk,
      boolean hostWindows,
      java.util.function.Consumer<Control> header)
      throws IOException {
    long size = size(members, window, chunk, hostWindows);
    if (size > Integer.MAX_VALUE) {
      throw new IOException("a segment of " + size + " bytes is too large: use smaller chunks");
    }
    Path tmp = dir.resolve(name.replace(SUFFIX, ".tmp"));
    Path file = dir.resolve(name);
    Files.createFile(tmp, OWNER_ONLY);
    boolean done = false;
    MappedByteBuffer mapping = null;
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      mapping = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      SegmentMemory m = new SegmentMemory(file, mapping, members, window, chunk, hostWindows);
      header.accept(m.control);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      done = true;
      return m;
    } finally {
      if (!done) {
        Unmapper.release(mapping);
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Maps an existing segment; null if it is not there (yet). Throws if it has another size than the
   * layout expects.
   */
  static SegmentMemory open(
      Path dir, String name, int members, int window, int chunk, boolean hostWindows)
      throws IOException {
    Path file = dir.resolve(name);
    long size = size(members, window, chunk, hostWindows);
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
    try (ch) {
      if (ch.size() != size) {
        throw new IOException(
            file + " has " + ch.size() + " bytes where this worker's layout needs " + size);
      }
      MappedByteBuffer mapping = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      return new SegmentMemory(file, mapping, members, window, chunk, hostWindows);
    }
  }

  Path file() {
    return file;
  }

  /** Deletes the segment's name; the memory lives on while it is mapped. */
  void unlink() throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  boolean inJvm() {
    return false;
  }

  @Override
  Path directory() {
    return file.getParent();
  }

  @Override
  void leave(int m) {
    Unmapper.release(mapping);
  }
}

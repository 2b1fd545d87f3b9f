package dev.orca.collective;

import dev.orca.OrcaConfigurationException;
import dev.orca.collective.internal.SharedBuffers;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A float buffer that the other workers of this host can read and write where it is: a file in a
 * tmpfs directory ({@code /dev/shm}) mapped by this process. When a {@link RingAllReduce} sums a
 * range of it through {@link Transport#SHARED_MEMORY} (or within a host of {@link
 * Transport#HIERARCHICAL}), the other members map the file, sum their slices straight from every
 * member's buffer and write the result straight into it, instead of each worker copying its floats
 * into the ring's segment and the result back out: half the memory traffic per worker. Any other
 * buffer gives the same sums through the copying path; so does this one on the other transports.
 *
 * <pre>{@code
 * try (SharedFloats gradients = SharedFloats.allocate(n, ring.options().sharedMemoryDirectory())) {
 *   FloatBuffer g = gradients.buffer();
 *   for (...) { fill(g); ring.allReduce(g); }
 * }
 * }</pre>
 *
 * <p>The file is named after this process ({@code orca-ring-<pid>-<token>.shm}), readable by this
 * user only, and removed by {@link #close()}; if the process is killed first, the next ring or
 * context on the host removes it ({@link RingAllReduce#removeStaleSharedMemory}). Workers that
 * mapped it keep their mapping until their ring closes. The directory must be the ring's {@link
 * RingOptions#sharedMemoryDirectory()} for the ring to use the buffer in place.
 */
public final class SharedFloats implements AutoCloseable {
  private final SharedBuffers.Buffer buffer;
  private final int size;
  private volatile boolean closed;

  private SharedFloats(SharedBuffers.Buffer buffer, int size) {
    this.buffer = buffer;
    this.size = size;
  }

  /** {@code floats} zeros in {@link RingOptions#DEFAULT_SHARED_MEMORY_DIRECTORY}. */
  public static SharedFloats allocate(int floats) {
    return allocate(floats, RingOptions.DEFAULT_SHARED_MEMORY_DIRECTORY);
  }

  /**
   * {@code floats} zeros in a new file of {@code directory} (a tmpfs, such as {@code /dev/shm}).
   * Throws {@link OrcaConfigurationException} naming the directory when it cannot be created there.
   */
  public static SharedFloats allocate(int floats, Path directory) {
    Objects.requireNonNull(directory, "directory");
    if (floats <= 0 || floats > Integer.MAX_VALUE / Float.BYTES) {
      throw new IllegalArgumentException(
          "SharedFloats: " + floats + " floats; a buffer holds 1 to 536870911 floats");
    }
    try {
      return new SharedFloats(SharedBuffers.allocate(directory, floats), floats);
    } catch (IOException | RuntimeException e) {
      throw new OrcaConfigurationException(
          "cannot allocate "
              + floats
              + " shared floats in "
              + directory
              + ": "
              + e.getMessage()
              + " (RingOptions sharedMemoryDirectory sets another tmpfs directory; an ordinary"
              + " direct buffer gives the same sums, through a copy)",
          e);
    }
  }

  /** A native-order view of all the floats (a new view per call, sharing the memory). */
  public FloatBuffer buffer() {
    if (closed) {
      throw new IllegalStateException("this SharedFloats is closed");
    }
    return buffer.floats();
  }

  /** How many floats it holds. */
  public int size() {
    return size;
  }

  /** The file behind it (gone once closed). */
  public Path file() {
    return buffer.file();
  }

  /**
   * Removes the file and releases the memory; idempotent. No view of the buffer may be used
   * afterwards (that would crash the JVM), and no reduction of it may be pending.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      buffer.release();
    } catch (IOException e) {
      throw new RingException("cannot remove " + buffer.file() + ": " + e, e);
    }
  }
}

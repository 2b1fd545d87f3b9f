package dev.orca.nn.internal;

import dev.orca.OrcaDataException;
import java.nio.Buffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The adapter to JavaCPP's native memory: the one place that allocates, frees and addresses
 * off-heap float blocks. JavaCPP counts what it allocates ({@link Pointer#totalBytes()}), which is
 * how the tests prove that training does not leak.
 */
public final class NativeMemory {
  private NativeMemory() {}

  /** An owned block of zeroed native floats; {@link #close()} frees it, once. */
  public static final class Block implements AutoCloseable {
    private FloatPointer pointer;
    private final FloatBuffer buffer;
    private final long address;

    private Block(long floats) {
      pointer = new FloatPointer(Math.max(1, floats));
      if (pointer.isNull()) {
        throw new OrcaDataException(
            "cannot allocate "
                + floats * 4
                + " bytes of native memory"
                + " (JavaCPP maxBytes "
                + Pointer.maxBytes()
                + "): use smaller batches or raise -Xmx");
      }
      Pointer.memset(pointer, 0, Math.max(1, floats) * 4);
      address = pointer.address();
      buffer = pointer.limit(floats).asBuffer();
    }

    public FloatBuffer buffer() {
      return buffer;
    }

    public long address() {
      return address;
    }

    public boolean isOpen() {
      return pointer != null;
    }

    @Override
    public synchronized void close() {
      if (pointer != null) {
        pointer.close();
        pointer = null;
      }
    }
  }

  /** Allocates {@code floats} zeroed native floats. */
  public static Block allocate(long floats) {
    if (floats < 0 || floats > Integer.MAX_VALUE) {
      throw new OrcaDataException(
          "cannot allocate a tensor of "
              + floats
              + " floats: the limit is "
              + Integer.MAX_VALUE
              + " per tensor");
    }
    return new Block(floats);
  }

  /** A native-order float view of memory that someone else owns; nothing is copied or freed. */
  public static FloatBuffer view(long address, long floats) {
    return new At(address, floats).asBuffer();
  }

  /** The native address of element {@code position()} of a direct buffer. */
  public static long address(Buffer direct) {
    if (!direct.isDirect()) {
      throw new OrcaDataException(
          "a "
              + direct.getClass().getSimpleName()
              + " on the Java heap cannot be wrapped without copying: pass a direct buffer");
    }
    return new Pointer(direct.slice()).address();
  }

  /** Bytes that JavaCPP has allocated and not yet freed. */
  public static long allocatedBytes() {
    return Pointer.totalBytes();
  }

  /** Resident memory of the whole process, as the operating system counts it. */
  public static long physicalBytes() {
    return Pointer.physicalBytes();
  }

  /** A pointer at a given address that owns nothing: the subclass may set the address. */
  private static final class At extends FloatPointer {
    At(long address, long floats) {
      this.address = address;
      this.limit = floats;
      this.capacity = floats;
    }
  }
}

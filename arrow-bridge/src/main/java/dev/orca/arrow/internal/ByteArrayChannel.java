package dev.orca.arrow.internal;

import dev.orca.OrcaDataException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * A channel that writes into one growing byte array with bulk copies (the JDK's stream adapter
 * copies through a small temporary array). With {@code counting} it only counts, so a writer can be
 * run once to learn the exact size and once to fill an array of that size.
 */
public final class ByteArrayChannel implements WritableByteChannel {
  private final boolean counting;
  private byte[] array;
  private long size;

  private ByteArrayChannel(boolean counting, int capacity) {
    this.counting = counting;
    this.array = counting ? null : new byte[capacity];
  }

  public static ByteArrayChannel counting() {
    return new ByteArrayChannel(true, 0);
  }

  public static ByteArrayChannel withCapacity(long capacity) {
    if (capacity > Integer.MAX_VALUE - 8) {
      throw new OrcaDataException(
          "a shard of "
              + capacity
              + " bytes does not fit a Java byte array;"
              + " use fewer rows per batch");
    }
    return new ByteArrayChannel(false, (int) capacity);
  }

  @Override
  public int write(ByteBuffer src) {
    int n = src.remaining();
    if (!counting) {
      if (size + n > array.length) {
        long grown = Math.max(size + n, Math.min((long) array.length * 2, Integer.MAX_VALUE - 8));
        if (grown > Integer.MAX_VALUE - 8) {
          throw new OrcaDataException(
              "Arrow IPC bytes beyond 2 GB do not fit a Java byte array;"
                  + " use fewer rows per batch");
        }
        array = Arrays.copyOf(array, (int) grown);
      }
      src.get(array, (int) size, n);
    } else {
      src.position(src.limit());
    }
    size += n;
    return n;
  }

  public long size() {
    return size;
  }

  /** The bytes written: the array itself when it is exactly full, else a trimmed copy. */
  public byte[] toByteArray() {
    return size == array.length ? array : Arrays.copyOf(array, (int) size);
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {
    // nothing to release; the writer closes its channel when it ends
  }
}

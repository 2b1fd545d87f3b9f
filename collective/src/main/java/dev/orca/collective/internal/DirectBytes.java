package dev.orca.collective.internal;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Byte views of the memory behind direct float buffers, so that chunks move between a socket and
 * the caller's buffer without a copy through the ring's own chunk buffers (on loopback the CPU is
 * the bottleneck, and those copies cost a fifth of it). The JDK has no public way to do this: this
 * adapter reads the buffer's address and wraps it with java.nio's own constructor, which needs
 * {@code --add-opens java.base/java.nio=ALL-UNNAMED} (one of the project's JVM flags). Without it
 * {@link #view} returns null and the ring copies instead, with the same results.
 */
final class DirectBytes {
  private static final Logger LOG = LoggerFactory.getLogger(DirectBytes.class);
  private static final Field ADDRESS;
  private static final Constructor<?> WRAP;
  private static final boolean WRAP_TAKES_LONG;

  static {
    Field address = null;
    Constructor<?> wrap = null;
    boolean takesLong = false;
    try {
      address = Buffer.class.getDeclaredField("address");
      address.setAccessible(true);
      Class<?> direct = Class.forName("java.nio.DirectByteBuffer");
      try {
        wrap = direct.getDeclaredConstructor(long.class, int.class); // JDK 17
      } catch (NoSuchMethodException e) {
        wrap = direct.getDeclaredConstructor(long.class, long.class); // later JDKs
        takesLong = true;
      }
      wrap.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.info(
          "the ring copies chunks through its own buffers: no access to direct buffer "
              + "addresses ({}); add --add-opens java.base/java.nio=ALL-UNNAMED to avoid the copy",
          e.toString());
      address = null;
      wrap = null;
    }
    ADDRESS = address;
    WRAP = wrap;
    WRAP_TAKES_LONG = takesLong;
  }

  private DirectBytes() {}

  /** True when {@link #address} can read buffer addresses in this JVM. */
  static boolean addressesReadable() {
    return ADDRESS != null;
  }

  /** The address of element 0 of a direct buffer; 0 if it is not direct or cannot be read. */
  static long address(java.nio.Buffer direct) {
    if (ADDRESS == null || !direct.isDirect()) {
      return 0;
    }
    try {
      return ADDRESS.getLong(direct);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * A byte buffer over the same memory as {@code floats[0, capacity)}, or null when the buffer is
   * not direct, not in native byte order (its bytes would not be the wire format), or the JVM does
   * not allow it. The view does not keep the memory alive: hold {@code floats} while using it.
   */
  static ByteBuffer view(FloatBuffer floats) {
    if (WRAP == null
        || !floats.isDirect()
        || floats.order() != ByteOrder.nativeOrder()
        || floats.capacity() > Integer.MAX_VALUE / Float.BYTES) {
      return null; // beyond 2 GiB a byte buffer cannot cover it: copy instead
    }
    long address = address(floats);
    if (address == 0) {
      return null;
    }
    try {
      int bytes = floats.capacity() * Float.BYTES;
      Object view =
          WRAP_TAKES_LONG
              ? WRAP.newInstance(address, (long) bytes)
              : WRAP.newInstance(address, bytes);
      return ((ByteBuffer) view).order(ByteOrder.nativeOrder());
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}

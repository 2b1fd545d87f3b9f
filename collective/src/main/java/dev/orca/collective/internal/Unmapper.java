package dev.orca.collective.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases a mapping or a direct buffer now rather than whenever the garbage collector gets to it:
 * a closed ring must leave no mapping of its segment behind (Java 17 has no public way to unmap).
 * This adapter calls {@code sun.misc.Unsafe.invokeCleaner}, which the {@code jdk.unsupported}
 * module exports; without it the memory goes with the buffer's last reference. The caller must make
 * sure no thread touches the buffer, or any view of it, afterwards: that would crash the JVM.
 */
final class Unmapper {
  private static final Logger LOG = LoggerFactory.getLogger(Unmapper.class);
  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method clean = null;
    try {
      Class<?> type = Class.forName("sun.misc.Unsafe");
      Field field = type.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      unsafe = field.get(null);
      clean = type.getMethod("invokeCleaner", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.info("mappings are released by the garbage collector, not at close: {}", e.toString());
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = clean;
  }

  private Unmapper() {}

  /** Frees {@code buffer}'s memory (a direct buffer, not a slice or duplicate) at once. */
  static void release(ByteBuffer buffer) {
    if (INVOKE_CLEANER == null || buffer == null || !buffer.isDirect()) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, buffer);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("could not release a buffer now; the garbage collector will: {}", e.toString());
    }
  }
}

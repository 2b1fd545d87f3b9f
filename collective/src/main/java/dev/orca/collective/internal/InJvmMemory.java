package dev.orca.collective.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The memory of a host group whose members are threads of this JVM: a control block in a direct
 * buffer and, instead of slots, the buffers the members posted, which the others read and write
 * directly. Found by the members through a registry of this JVM, under a key only workers that know
 * the job secret can compute.
 */
final class InJvmMemory extends GroupMemory {
  private static final Map<String, InJvmMemory> GROUPS = new ConcurrentHashMap<>();

  private final String key;
  private final ByteBuffer controlBytes;
  private final ByteBuffer areaBuffer;
  private final AtomicReferenceArray<FloatBuffer> posted;
  private final AtomicInteger readers = new AtomicInteger();
  private int present;

  private InJvmMemory(
      String key, ByteBuffer control, ByteBuffer areas, int members, int window, int chunk) {
    super(control, null, areas, members, window, chunk);
    this.key = key;
    this.controlBytes = control;
    this.areaBuffer = areas;
    this.posted = new AtomicReferenceArray<>(members * window);
  }

  /** The group under {@code key}, made by whichever member comes first. */
  static InJvmMemory join(String key, int members, int window, int chunk, boolean hostWindows) {
    InJvmMemory m =
        GROUPS.compute(
            key,
            (k, existing) -> {
              InJvmMemory g = existing;
              if (g == null) {
                ByteBuffer control =
                    ByteBuffer.allocateDirect(Control.bytes(members))
                        .order(ByteOrder.nativeOrder());
                ByteBuffer areas =
                    hostWindows
                        ? ByteBuffer.allocateDirect((int) areaBytes(window, chunk))
                            .order(ByteOrder.nativeOrder())
                        : null;
                g = new InJvmMemory(k, control, areas, members, window, chunk);
              }
              g.present++;
              return g;
            });
    if (m.members != members || m.window != window || m.chunk != chunk) {
      throw new IllegalStateException("group " + key + " joined with another layout");
    }
    return m;
  }

  @Override
  boolean inJvm() {
    return true;
  }

  @Override
  FloatBuffer buffer(int m, int s) {
    return posted.get(m * window + s);
  }

  @Override
  void putBuffer(int m, int s, FloatBuffer buffer) {
    posted.set(m * window + s, buffer);
  }

  @Override
  boolean enterBuffers(int reader) {
    readers.incrementAndGet(); // a full fence: orders it before the states read below
    for (int m = 0; m < members; m++) {
      if (control.getVolatile(Control.member(m) + Control.STATE) != Control.JOINED) {
        readers.decrementAndGet();
        return false;
      }
    }
    return true;
  }

  @Override
  void exitBuffers(int reader) {
    readers.decrementAndGet();
  }

  @Override
  boolean awaitNoReaders(long nanos) {
    long deadline = System.nanoTime() + nanos;
    while (readers.get() > 0) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      LockSupport.parkNanos(10_000);
    }
    return true;
  }

  @Override
  void leave(int m) {
    boolean last = GROUPS.computeIfPresent(key, (k, g) -> --g.present == 0 ? null : g) == null;
    if (last) {
      Unmapper.release(controlBytes);
      Unmapper.release(areaBuffer);
    }
  }
}

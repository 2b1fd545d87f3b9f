package dev.orca.collective.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The memory a host group shares: its {@link Control} block, each member's window of slots (only in
 * a segment: in one JVM the members read each other's buffers directly), and, when the group is one
 * host of several, the host's three windows for the partial sums coming in and going out and for
 * the result coming back. Blocks are one chunk of floats; piece {@code p} uses block {@code p %
 * window}.
 */
abstract class GroupMemory {
  static final int INCOMING = 0;
  static final int OUTGOING = 1;
  static final int RESULT = 2;

  final Control control;
  final int members;
  final int window;
  final int chunk;
  private final FloatBuffer[][] slots;
  private final FloatBuffer[][] areas;
  private final ByteBuffer areaBytes;
  private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();

  /**
   * Views {@code control}, then {@code slotBytes} (members x window blocks, or null) and {@code
   * areaBytes} (3 x window blocks, or null).
   */
  GroupMemory(
      ByteBuffer control,
      ByteBuffer slotBytes,
      ByteBuffer areaBytes,
      int members,
      int window,
      int chunk) {
    this.control = new Control(control, members);
    this.members = members;
    this.window = window;
    this.chunk = chunk;
    this.slots = slotBytes == null ? null : blocks(slotBytes, members, window, chunk);
    this.areas = areaBytes == null ? null : blocks(areaBytes, 3, window, chunk);
    this.areaBytes = areaBytes;
  }

  /** How many floats a group's window holds per member: blocks of one chunk. */
  static int window(int chunkFloats) {
    int byBytes = (4 << 20) / (chunkFloats * Float.BYTES);
    return Math.max(2, Math.min(Control.MAX_WINDOW, byBytes));
  }

  static long slotBytes(int members, int window, int chunk) {
    return (long) members * window * chunk * Float.BYTES;
  }

  static long areaBytes(int window, int chunk) {
    return 3L * window * chunk * Float.BYTES;
  }

  private static FloatBuffer[][] blocks(ByteBuffer bytes, int rows, int window, int chunk) {
    FloatBuffer all = bytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
    FloatBuffer[][] b = new FloatBuffer[rows][window];
    for (int r = 0; r < rows; r++) {
      for (int w = 0; w < window; w++) {
        b[r][w] = all.slice((r * window + w) * chunk, chunk);
      }
    }
    return b;
  }

  /** True when the members are threads of this JVM and read each other's buffers. */
  abstract boolean inJvm();

  /** The tmpfs directory of a segment, where members' {@link SharedBuffers} are; null in a JVM. */
  java.nio.file.Path directory() {
    return null;
  }

  /** Member {@code m}'s block {@code b} (segments only). */
  FloatBuffer slot(int m, int b) {
    return slots[m][b];
  }

  /** Block {@code b} of one of the host's windows ({@link #INCOMING}, ...). */
  FloatBuffer area(int which, int b) {
    return areas[which][b];
  }

  /**
   * Byte views of one of the host's windows, one per block, for one thread: each thread moving
   * bytes between a socket and a window needs its own positions.
   */
  ByteBuffer[] areaBytes(int which) {
    return views(areaBytes, which);
  }

  private ByteBuffer[] views(ByteBuffer all, int row) {
    ByteBuffer[] views = new ByteBuffer[window];
    int blockBytes = chunk * Float.BYTES;
    for (int b = 0; b < window; b++) {
      views[b] =
          all.slice((row * window + b) * blockBytes, blockBytes).order(ByteOrder.nativeOrder());
    }
    return views;
  }

  /** The buffer member {@code m} posted for its piece in window slot {@code s} (one JVM only). */
  FloatBuffer buffer(int m, int s) {
    throw new UnsupportedOperationException("members of a segment share no buffers");
  }

  void putBuffer(int m, int s, FloatBuffer buffer) {
    throw new UnsupportedOperationException("members of a segment share no buffers");
  }

  /**
   * Member {@code reader} is about to read and write the buffers of the others (one JVM only):
   * false, with nothing held, if one of them has already stopped. A stopping member waits in {@link
   * #awaitNoReaders} until no one is in its buffer any more, so that its caller may free it.
   */
  boolean enterBuffers(int reader) {
    return true;
  }

  void exitBuffers(int reader) {}

  /** Waits (at most {@code nanos}) until no other member is inside the buffers. */
  boolean awaitNoReaders(long nanos) {
    return true;
  }

  /** The thread is about to park until a counter changes; {@link #signal} unparks it. */
  final void addWaiter(Thread t) {
    waiters.add(t);
  }

  final void removeWaiter(Thread t) {
    waiters.remove(t);
  }

  /**
   * Wakes the threads of this JVM that wait on the group; those of other processes poll (there is
   * no cross-process wake-up in Java without native code).
   */
  final void signal() {
    for (Thread t : waiters) {
      LockSupport.unpark(t);
    }
  }

  /** Member {@code m} is done with the memory; the last one frees it. */
  abstract void leave(int m);
}

package dev.orca.estimator.internal.worker;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * The CPUs a thread may run on, read and set through Linux's {@code sched_getaffinity} and {@code
 * sched_setaffinity} (C library, through JNA). A thread is named by its kernel thread id, so one
 * thread can give back another's mask. Elsewhere (not Linux, no JNA) {@link #unavailable} says why
 * and nothing is set.
 */
public final class ThreadAffinity {
  /** Bytes of a CPU mask: room for 8,192 CPUs (the kernel's largest configuration). */
  private static final int MASK_BYTES = 1024;

  private static final Function GET;
  private static final Function SET;
  private static final String UNAVAILABLE;

  static {
    Function get = null;
    Function set = null;
    String why = null;
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      why = "threads are pinned on Linux only (this is " + System.getProperty("os.name") + ")";
    } else {
      try {
        NativeLibrary c = NativeLibrary.getInstance("c");
        get = c.getFunction("sched_getaffinity", Function.THROW_LAST_ERROR);
        set = c.getFunction("sched_setaffinity", Function.THROW_LAST_ERROR);
      } catch (Throwable t) { // UnsatisfiedLinkError, or JNA's own native part missing
        why = "cannot reach sched_setaffinity through JNA: " + t;
      }
    }
    GET = get;
    SET = set;
    UNAVAILABLE = why;
  }

  private ThreadAffinity() {}

  /** Why threads cannot be pinned in this JVM, or null when they can. */
  public static String unavailable() {
    return UNAVAILABLE;
  }

  /**
   * The kernel's id of the calling thread (its entry under {@code /proc/<pid>/task}), read from
   * {@code /proc/thread-self}.
   */
  public static int currentThreadId() {
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
      return Integer.parseInt(self.getFileName().toString());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read this thread's id from /proc/thread-self", e);
    }
  }

  /** The CPUs thread {@code tid} may run on. */
  public static BitSet get(int tid) {
    check();
    byte[] mask = new byte[MASK_BYTES];
    try {
      GET.invokeInt(new Object[] {tid, new NativeLong(MASK_BYTES), mask});
    } catch (LastErrorException e) {
      throw new IllegalStateException(
          "sched_getaffinity of thread " + tid + " failed (errno " + e.getErrorCode() + ")", e);
    }
    return BitSet.valueOf(mask);
  }

  /**
   * Lets thread {@code tid} run on {@code cpus} only (the threads it starts afterwards inherit the
   * mask).
   */
  public static void set(int tid, BitSet cpus) {
    check();
    if (cpus.isEmpty()) {
      throw new IllegalArgumentException("an empty CPU set for thread " + tid);
    }
    byte[] mask = java.util.Arrays.copyOf(cpus.toByteArray(), MASK_BYTES);
    try {
      SET.invokeInt(new Object[] {tid, new NativeLong(MASK_BYTES), mask});
    } catch (LastErrorException e) {
      throw new IllegalStateException(
          "sched_setaffinity of thread "
              + tid
              + " to CPUs "
              + cpus
              + " failed (errno "
              + e.getErrorCode()
              + ")",
          e);
    }
  }

  private static void check() {
    if (UNAVAILABLE != null) {
      throw new IllegalStateException(UNAVAILABLE);
    }
  }
}

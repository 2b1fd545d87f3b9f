package dev.orca.nn.internal;

import dev.orca.OrcaException;
import dev.orca.nn.Engine;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The workspaces of inference calls, so that many threads can predict with one model at once: a
 * call borrows an idle {@link Pass} (or makes one) and gives it back, a stack under a lock, so that
 * a warm pool allocates nothing per call. Closing waits for the calls still running, since they
 * read the model's memory.
 */
public final class InferencePool implements AutoCloseable {
  private static final long CLOSE_WAIT_SECONDS = 60;

  private final Network network;
  private final Engine engine;
  private final Object lock = new Object();
  private Pass[] idle = new Pass[4];
  private int idleCount;
  private final AtomicInteger running = new AtomicInteger();
  private volatile boolean closed;

  public InferencePool(Network network, Engine engine) {
    this.network = network;
    this.engine = engine;
  }

  /** A pass for one call; give it back with {@link #release}. Fails once the pool is closed. */
  public Pass borrow() {
    running.incrementAndGet();
    if (closed) {
      running.decrementAndGet();
      throw new OrcaException("the model is closed; load or build it again");
    }
    Pass p = null;
    synchronized (lock) {
      if (idleCount > 0) {
        p = idle[--idleCount];
        idle[idleCount] = null;
      }
    }
    try {
      return p != null ? p : network.newPass(engine);
    } catch (RuntimeException | Error e) {
      running.decrementAndGet();
      throw e;
    }
  }

  public void release(Pass pass) {
    synchronized (lock) {
      if (idleCount == idle.length) {
        idle = Arrays.copyOf(idle, 2 * idle.length);
      }
      idle[idleCount++] = pass;
    }
    running.decrementAndGet();
  }

  /** Native bytes of the idle workspaces. */
  public long bytes() {
    long b = 0;
    synchronized (lock) {
      for (int i = 0; i < idleCount; i++) {
        b += idle[i].workspace().bytes();
      }
    }
    return b;
  }

  /**
   * Refuses new calls, waits (up to a minute) for the running ones, and frees the workspaces.
   * Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
    while (running.get() > 0) {
      if (System.nanoTime() > deadline) {
        throw new OrcaException(
            "close waited "
                + CLOSE_WAIT_SECONDS
                + " s for "
                + running.get()
                + " predict call(s) still running on other threads; the model's memory is left allocated:"
                + " stop predicting before closing");
      }
      LockSupport.parkNanos(1_000_000);
    }
    synchronized (lock) {
      for (int i = 0; i < idleCount; i++) {
        idle[i].close();
        idle[i] = null;
      }
      idleCount = 0;
    }
  }
}

package dev.orca.nn.internal.dnnl;

import static dev.orca.nn.internal.dnnl.Dnnl.check;
import static org.bytedeco.dnnl.global.dnnl.*;

import dev.orca.nn.internal.NativeMemory;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * Where one workspace runs its oneDNN primitives: a stream (used by one thread at a time, as the
 * workspace is), the thread count of its engine, and one scratchpad that every primitive of the
 * workspace shares, since they run one after another.
 */
public final class DnnlStream implements AutoCloseable {
  private final int threads;
  private dnnl_stream stream;
  private NativeMemory.Block scratchpad;
  private long scratchpadBytes;

  public DnnlStream(int threads) {
    this.threads = threads;
    stream = new dnnl_stream();
    check(dnnl_stream_create(stream, Dnnl.engine(), dnnl_stream_default_flags), "create a stream");
  }

  public int threads() {
    return threads;
  }

  /** Grows the shared scratchpad to what {@code op} needs; called when an op is created. */
  void reserve(Op op) {
    if (op != null && op.has(DNNL_ARG_SCRATCHPAD)) {
      long bytes = op.bytes(DNNL_ARG_SCRATCHPAD);
      if (bytes > scratchpadBytes) {
        if (scratchpad != null) {
          scratchpad.close();
        }
        scratchpad = NativeMemory.allocate((bytes + 3) / 4);
        scratchpadBytes = bytes;
      }
    }
  }

  /** Runs {@code op} on the calling thread with the engine's thread count. */
  void run(Op op) {
    Dnnl.useThreads(threads);
    if (op.has(DNNL_ARG_SCRATCHPAD)) {
      op.at(DNNL_ARG_SCRATCHPAD, scratchpad == null ? 0 : scratchpad.address());
    }
    op.run(stream);
  }

  /** Waits for what was run (a no-op on the CPU, where runs end before they return). */
  void finish() {
    check(dnnl_stream_wait(stream), "wait for its stream");
  }

  /** Native bytes held for scratch. */
  public long bytes() {
    return scratchpadBytes;
  }

  @Override
  public void close() {
    if (stream != null && !stream.isNull()) {
      dnnl_stream_destroy(stream);
    }
    stream = null;
    if (scratchpad != null) {
      scratchpad.close();
      scratchpad = null;
      scratchpadBytes = 0;
    }
  }
}

package dev.orca.nn.internal.dnnl;

import dev.orca.nn.internal.NativeMemory;
import java.util.ArrayList;
import java.util.List;

/** What a set of primitives owns besides its main primitives: reorders and native buffers. */
final class Owned implements AutoCloseable {
  private final List<AutoCloseable> things = new ArrayList<>();

  Op op(Op op) {
    things.add(op);
    return op;
  }

  /** A zeroed native buffer of at least {@code bytes}. */
  NativeMemory.Block block(long bytes) {
    NativeMemory.Block b = NativeMemory.allocate((bytes + 3) / 4);
    things.add(b);
    return b;
  }

  /** Native bytes of the buffers. */
  long bytes() {
    long total = 0;
    for (AutoCloseable t : things) {
      if (t instanceof NativeMemory.Block) {
        total += ((NativeMemory.Block) t).buffer().capacity() * 4L;
      }
    }
    return total;
  }

  @Override
  public void close() {
    for (AutoCloseable t : things) {
      try {
        t.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing a oneDNN resource failed", e);
      }
    }
    things.clear();
  }
}

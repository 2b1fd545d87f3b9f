package dev.orca.nn.internal.dnnl;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.orca.nn.internal.NativeMemory;
import org.bytedeco.dnnl.dnnl_memory_desc;

/**
 * One argument of a primitive that the model keeps in a plain layout and the primitive may want in
 * another: when the two differ, a reorder through a buffer of the primitive's layout (into it for
 * an input, out of it for an output); when they agree, the model's memory is used as it is.
 */
final class Layout {
  private final Op reorder;
  private final NativeMemory.Block buffer;

  private Layout(Op reorder, NativeMemory.Block buffer) {
    this.reorder = reorder;
    this.buffer = buffer;
  }

  /** For input {@code kind} of {@code op}, given in layout {@code plain}. */
  static Layout in(Owned owned, Op op, int kind, dnnl_memory_desc plain) {
    if (op.lays(kind, plain)) {
      return new Layout(null, null);
    }
    return new Layout(owned.op(Op.reorder(plain, op.md(kind))), owned.block(op.bytes(kind)));
  }

  /** For output {@code kind} of {@code op}, wanted in layout {@code plain}. */
  static Layout out(Owned owned, Op op, int kind, dnnl_memory_desc plain) {
    if (op.lays(kind, plain)) {
      return new Layout(null, null);
    }
    return new Layout(owned.op(Op.reorder(op.md(kind), plain)), owned.block(op.bytes(kind)));
  }

  boolean reorders() {
    return reorder != null;
  }

  /** The address to give the primitive for an input at {@code plain}, reordered if needed. */
  long feed(DnnlStream stream, long plain) {
    if (reorder == null) {
      return plain;
    }
    stream.run(reorder.at(DNNL_ARG_FROM, plain).at(DNNL_ARG_TO, buffer.address()));
    return buffer.address();
  }

  /** The address the primitive writes an output to, for the model's memory at {@code plain}. */
  long target(long plain) {
    return reorder == null ? plain : buffer.address();
  }

  /** Bytes at {@link #target}, for {@code plainBytes} in the model's layout. */
  long targetBytes(long plainBytes) {
    return reorder == null ? plainBytes : buffer.buffer().capacity() * 4L;
  }

  /** After the primitive ran: the output moved to {@code plain} if it was written elsewhere. */
  void drain(DnnlStream stream, long plain) {
    if (reorder != null) {
      stream.run(reorder.at(DNNL_ARG_FROM, buffer.address()).at(DNNL_ARG_TO, plain));
    }
  }
}

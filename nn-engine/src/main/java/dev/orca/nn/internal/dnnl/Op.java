package dev.orca.nn.internal.dnnl;

import static dev.orca.nn.internal.dnnl.Dnnl.check;
import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * One oneDNN primitive, created once, with a memory object per argument whose data pointer is
 * re-aimed at the caller's buffers before each run: running it allocates nothing.
 */
final class Op implements AutoCloseable {
  private dnnl_primitive_desc pd;
  private dnnl_primitive primitive;
  private final int[] kinds;
  private final dnnl_memory[] memories;
  private final dnnl_exec_arg_t args;
  private final Address address = new Address();
  private final boolean reorder;

  /** Takes over {@code pd}; one memory per argument kind, described as the primitive wants it. */
  private Op(dnnl_primitive_desc pd, boolean reorder, int... kinds) {
    this.pd = pd;
    this.kinds = kinds;
    this.reorder = reorder;
    this.memories = new dnnl_memory[kinds.length];
    this.args = new dnnl_exec_arg_t(kinds.length);
    try {
      primitive = new dnnl_primitive();
      check(dnnl_primitive_create(primitive, pd), "create a primitive");
      for (int i = 0; i < kinds.length; i++) {
        memories[i] = new dnnl_memory();
        check(
            dnnl_memory_create(memories[i], md(kinds[i]), Dnnl.engine(), (Pointer) null),
            "create a memory object");
        args.position(i).arg(kinds[i]).memory(memories[i]);
      }
      args.position(0);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * The primitive that {@code pd} describes, with arguments {@code kinds}; null if creating {@code
   * pd} gave {@code status} other than success (oneDNN has no implementation for it).
   */
  static Op of(dnnl_primitive_desc pd, int status, int... kinds) {
    if (status != dnnl_success) {
      return null;
    }
    return new Op(pd, false, kinds);
  }

  /** A reorder from layout {@code from} to layout {@code to}. */
  static Op reorder(dnnl_memory_desc from, dnnl_memory_desc to) {
    dnnl_primitive_desc pd = new dnnl_primitive_desc();
    check(
        dnnl_reorder_primitive_desc_create(
            pd, from, Dnnl.engine(), to, Dnnl.engine(), (dnnl_primitive_attr) null),
        "create a reorder");
    return new Op(pd, true, DNNL_ARG_FROM, DNNL_ARG_TO);
  }

  /** Attributes for creating a primitive: the caller provides the scratchpad. */
  static dnnl_primitive_attr userScratchpad() {
    dnnl_primitive_attr attr = new dnnl_primitive_attr();
    check(dnnl_primitive_attr_create(attr), "create primitive attributes");
    check(
        dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
        "set the scratchpad mode");
    return attr;
  }

  dnnl_primitive_desc pd() {
    return pd;
  }

  /** How the primitive lays out argument {@code kind} (owned by the primitive). */
  dnnl_memory_desc md(int kind) {
    return dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, kind);
  }

  /** Bytes of argument {@code kind}. */
  long bytes(int kind) {
    return dnnl_memory_desc_get_size(md(kind));
  }

  /** Whether argument {@code kind} is laid out as {@code md}. */
  boolean lays(int kind, dnnl_memory_desc md) {
    return dnnl_memory_desc_equal(md(kind), md) != 0;
  }

  boolean has(int kind) {
    for (int k : kinds) {
      if (k == kind) {
        return true;
      }
    }
    return false;
  }

  /** Aims argument {@code kind} at native {@code address}. */
  Op at(int kind, long address) {
    for (int i = 0; i < kinds.length; i++) {
      if (kinds[i] == kind) {
        check(
            dnnl_memory_set_data_handle(memories[i], this.address.at(address)),
            "set a data pointer");
        return this;
      }
    }
    throw new IllegalArgumentException("the primitive has no argument " + kind);
  }

  void run(dnnl_stream stream) {
    check(dnnl_primitive_execute(primitive, stream, kinds.length, args), "run a primitive");
    Dnnl.count(reorder);
  }

  @Override
  public void close() {
    for (int i = 0; i < memories.length; i++) {
      if (memories[i] != null && !memories[i].isNull()) {
        dnnl_memory_destroy(memories[i]);
      }
      memories[i] = null;
    }
    args.close();
    if (primitive != null && !primitive.isNull()) {
      dnnl_primitive_destroy(primitive);
    }
    primitive = null;
    if (pd != null && !pd.isNull()) {
      dnnl_primitive_desc_destroy(pd);
    }
    pd = null;
  }

  /** A pointer that owns nothing and is re-aimed for every call. */
  private static final class Address extends Pointer {
    Address at(long a) {
      address = a;
      return this;
    }
  }
}

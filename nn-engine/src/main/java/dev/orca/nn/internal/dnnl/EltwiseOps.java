package dev.orca.nn.internal.dnnl;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.orca.nn.Tensor;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * ReLU over {@code n} floats on oneDNN, forward and backward (the latter from the output, as the
 * engine's own kernel does): vectorised and spread over the engine's OpenMP threads, which the
 * engine's Java loop is not.
 */
public final class EltwiseOps implements AutoCloseable {
  private final DnnlStream stream;
  private final int n;
  private Op forward;
  private Op backward;

  private EltwiseOps(DnnlStream stream, int n) {
    this.stream = stream;
    this.n = n;
  }

  /** ReLU over {@code n} floats; null if oneDNN has no implementation. */
  public static EltwiseOps relu(DnnlStream stream, int n) {
    EltwiseOps ops = new EltwiseOps(stream, n);
    dnnl_memory_desc data = Dnnl.md(dnnl_a, n);
    dnnl_primitive_attr attr = Op.userScratchpad();
    int alg = dnnl_eltwise_relu_use_dst_for_bwd;
    try {
      dnnl_primitive_desc pd = new dnnl_primitive_desc();
      ops.forward =
          Op.of(
              pd,
              dnnl_eltwise_forward_primitive_desc_create(
                  pd, Dnnl.engine(), dnnl_forward_training, alg, data, data, 0f, 0f, attr),
              DNNL_ARG_SRC,
              DNNL_ARG_DST,
              DNNL_ARG_SCRATCHPAD);
      if (ops.forward == null) {
        ops.close();
        return null;
      }
      pd = new dnnl_primitive_desc();
      ops.backward =
          Op.of(
              pd,
              dnnl_eltwise_backward_primitive_desc_create(
                  pd, Dnnl.engine(), alg, data, data, data, 0f, 0f, ops.forward.pd(), attr),
              DNNL_ARG_DST,
              DNNL_ARG_DIFF_DST,
              DNNL_ARG_DIFF_SRC,
              DNNL_ARG_SCRATCHPAD);
      if (ops.backward == null) {
        ops.close();
        return null;
      }
      stream.reserve(ops.forward);
      stream.reserve(ops.backward);
      return ops;
    } catch (RuntimeException e) {
      ops.close();
      throw e;
    } finally {
      dnnl_primitive_attr_destroy(attr);
      Dnnl.destroy(data);
    }
  }

  public boolean matches(int n) {
    return this.n == n;
  }

  public void forward(Tensor x, Tensor y) {
    stream.run(forward.at(DNNL_ARG_SRC, x.address()).at(DNNL_ARG_DST, y.address()));
    stream.finish();
  }

  /** {@code d = y > 0 ? g : 0}. */
  public void backward(Tensor y, Tensor g, Tensor d) {
    stream.run(
        backward
            .at(DNNL_ARG_DST, y.address())
            .at(DNNL_ARG_DIFF_DST, g.address())
            .at(DNNL_ARG_DIFF_SRC, d.address()));
    stream.finish();
  }

  @Override
  public void close() {
    for (Op op : new Op[] {forward, backward}) {
      if (op != null) {
        op.close();
      }
    }
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Chunks;
import dev.orca.nn.internal.dnnl.EltwiseOps;
import dev.orca.nn.internal.dnnl.Unsupported;

/**
 * {@code max(0, x)} element-wise. On an engine with oneDNN, large tensors go through its eltwise
 * primitives, which use every thread of the engine; small ones stay in the Java loop, cheaper than
 * a primitive call.
 */
public final class ReLU extends SameShape {
  private static final long serialVersionUID = 1L;

  /** Elements from which oneDNN's threads pay for its call (a 256 x 128 batch and up). */
  static final int ONEDNN_FROM = 1 << 15;

  private static EltwiseOps primitives(Workspace ws, int n) {
    if (ws.dnnl() == null || n < ONEDNN_FROM) {
      return null;
    }
    EltwiseOps ops = ws.kept(0, EltwiseOps.class);
    if (ops != null && ops.matches(n)) {
      return ops;
    }
    Unsupported no = ws.kept(0, Unsupported.class);
    if (no != null && no.matches(n, 0, 0, 0)) {
      return null;
    }
    ops = EltwiseOps.relu(ws.dnnl(), n);
    if (ops == null) {
      ws.keep(0, new Unsupported("ReLU", n, 0, 0, 0));
      return null;
    }
    return ws.keep(0, ops);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    EltwiseOps ops = primitives(ws, out.size());
    if (ops != null) {
      ops.forward(in[0], out);
      return;
    }
    float[] v = Chunks.buffers()[0];
    for (int at = 0, n = out.size(); at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      in[0].data().get(in[0].offset() + at, v, 0, len);
      for (int i = 0; i < len; i++) {
        v[i] = Math.max(0f, v[i]);
      }
      out.data().put(out.offset() + at, v, 0, len);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] == null) {
      return;
    }
    EltwiseOps ops = primitives(ws, out.size());
    if (ops != null) {
      ops.backward(out, g, gradIn[0]);
    } else {
      backwardFromOutput(FromOutput.RELU, out, g, gradIn[0]);
    }
  }
}

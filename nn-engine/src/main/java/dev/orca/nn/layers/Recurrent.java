package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.RecurrentOps;
import dev.orca.nn.internal.dnnl.Unsupported;

/** The oneDNN primitives of {@link LSTM} and {@link GRU}, kept per shape, and their backward. */
final class Recurrent {
  private Recurrent() {}

  /** The primitives for these sequences, or null for the layer's own code. */
  static RecurrentOps primitives(
      Workspace ws, RecurrentOps.Cell cell, int batch, int steps, int features, int units) {
    if (ws.dnnl() == null) {
      return null;
    }
    RecurrentOps ops = ws.kept(0, RecurrentOps.class);
    if (ops != null && ops.matches(batch, steps, features)) {
      return ops;
    }
    Unsupported no = ws.kept(0, Unsupported.class);
    if (no != null && no.matches(batch, steps, features, 0)) {
      return null;
    }
    ops = RecurrentOps.create(ws.dnnl(), cell, batch, steps, features, units);
    if (ops == null) {
      ws.keep(0, new Unsupported(cell.toString(), batch, steps, features, 0));
      return null;
    }
    return ws.keep(0, ops);
  }

  /**
   * Backward of {@code layer} (its kernel, recurrent kernel and bias) on oneDNN, when {@code ops}
   * ran the training forward; a frozen layer gets no weight gradients. False when the layer's own
   * code must run instead.
   */
  static boolean backward(
      Layer layer,
      RecurrentOps ops,
      Tensor[] in,
      Tensor out,
      Tensor grad,
      Tensor gradIn,
      boolean returnSequences) {
    if (ops == null || !ops.trained()) {
      return false;
    }
    boolean frozen = layer.isFrozen();
    ops.backward(
        in[0],
        out,
        grad,
        layer.param(0),
        layer.param(1),
        layer.param(2),
        frozen ? null : layer.grad(0),
        frozen ? null : layer.grad(1),
        frozen ? null : layer.grad(2),
        gradIn,
        returnSequences);
    return true;
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.internal.dnnl.RecurrentOps;
import dev.orca.nn.internal.dnnl.Unsupported;

/** The oneDNN primitives of {@link LSTM} and {@link GRU}, kept per shape. */
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
}

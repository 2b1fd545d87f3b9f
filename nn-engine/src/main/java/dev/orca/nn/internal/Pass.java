package dev.orca.nn.internal;

import dev.orca.nn.Engine;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Workspace;

/**
 * The state of one forward/backward pass over a {@link Network}: the workspace plus the per-node
 * arrays of tensors handed to layers, all reused from call to call. One pass per thread at a time.
 */
public final class Pass implements AutoCloseable {
  final Workspace ws;
  final Tensor[] out;
  final Tensor[][] in;
  final Tensor[][] gradIn;
  final boolean[] hasGrad;

  /** Per node: whether backward must reach it (it or a node before it trains). */
  final boolean[] needsGrad;

  final Tensor[] results;

  /** The argument array of one-input calls, reused. */
  final Tensor[] single = new Tensor[1];

  int batch;
  boolean training;
  long seed;

  Pass(Engine engine, Graph graph) {
    int n = graph.nodes.length;
    ws = new Workspace(engine, n);
    out = new Tensor[n];
    in = new Tensor[n][];
    gradIn = new Tensor[n][];
    for (int i = 0; i < n; i++) {
      in[i] = new Tensor[graph.nodes[i].inputs.length];
      gradIn[i] = new Tensor[graph.nodes[i].inputs.length];
    }
    hasGrad = new boolean[n];
    needsGrad = new boolean[n];
    results = new Tensor[graph.outputs.length];
  }

  /**
   * Reusable buffer {@code slot} of node {@code node}, for the model's own use (e.g. the loss
   * gradient).
   */
  public Tensor buffer(int node, int slot, int batch, dev.orca.nn.Shape sample) {
    return ws.buffer(node, slot, batch, sample);
  }

  public Workspace workspace() {
    return ws;
  }

  @Override
  public void close() {
    ws.close();
  }
}

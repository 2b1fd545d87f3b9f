package dev.orca.nn.internal;

import dev.orca.OrcaDataException;
import dev.orca.nn.Engine;
import dev.orca.nn.GradientReadyListener;
import dev.orca.nn.InputSplit;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.ParameterSpec;
import java.util.List;

/**
 * Runs a {@link Graph}: forward in node order, backward in reverse, inside a {@link Pass}. Also
 * lays out every parameter in one flat buffer in node order, so that backward finishes the buffer's
 * tail first and hands out contiguous ranges moving towards its start.
 */
public final class Network {
  /**
   * Model buffer slots of a node in the workspace; slots from FANIN up hold second-consumer
   * gradients.
   */
  static final int OUT = 0;

  static final int GRAD = 1;
  public static final int LOSS = 2;
  static final int FANIN = 3;

  private final Graph graph;
  private final int[] paramFrom;
  private final int[] paramTo;
  private final int[] stateFrom;
  private final int parameterCount;
  private final int stateCount;

  public Network(Graph graph) {
    this.graph = graph;
    int n = graph.nodes.length;
    paramFrom = new int[n];
    paramTo = new int[n];
    stateFrom = new int[n];
    long p = 0;
    long s = 0;
    for (int i = 0; i < n; i++) {
      paramFrom[i] = (int) p;
      stateFrom[i] = (int) s;
      if (!graph.nodes[i].isInput()) {
        Shape[] in = inputShapes(i);
        for (ParameterSpec spec : graph.nodes[i].layer.parameters(in)) {
          p += spec.shape().size();
        }
        for (ParameterSpec spec : graph.nodes[i].layer.states(in)) {
          s += spec.shape().size();
        }
      }
      if (p > Integer.MAX_VALUE || s > Integer.MAX_VALUE) {
        throw new OrcaDataException(
            "the model has more than "
                + Integer.MAX_VALUE
                + (p > Integer.MAX_VALUE ? " parameters" : " state values")
                + ", more than one flat buffer can hold");
      }
      paramTo[i] = (int) p;
    }
    parameterCount = (int) p;
    stateCount = (int) s;
  }

  public Graph graph() {
    return graph;
  }

  public int parameterCount() {
    return parameterCount;
  }

  public int stateCount() {
    return stateCount;
  }

  /** The range of the flat buffer holding node {@code i}'s parameters. */
  public int paramFrom(int i) {
    return paramFrom[i];
  }

  /** Where node {@code i}'s state starts in the flat state buffer. */
  public int stateFrom(int i) {
    return stateFrom[i];
  }

  public int paramTo(int i) {
    return paramTo[i];
  }

  public Shape[] inputShapes(int node) {
    int[] ins = graph.nodes[node].inputs;
    Shape[] shapes = new Shape[ins.length];
    for (int j = 0; j < ins.length; j++) {
      shapes[j] = graph.nodes[ins[j]].shape;
    }
    return shapes;
  }

  /** Hands every layer views of its parameters, gradients and state in the flat buffers. */
  public void bind(Tensor params, Tensor grads, Tensor state) {
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput()) {
        continue;
      }
      Shape[] in = inputShapes(i);
      List<ParameterSpec> specs = node.layer.parameters(in);
      Tensor[] p = new Tensor[specs.size()];
      Tensor[] g = new Tensor[specs.size()];
      int at = paramFrom[i];
      for (int k = 0; k < p.length; k++) {
        p[k] = params.view(at, specs.get(k).shape());
        g[k] = grads.view(at, specs.get(k).shape());
        at += specs.get(k).shape().size();
      }
      List<ParameterSpec> stateSpecs = node.layer.states(in);
      Tensor[] st = new Tensor[stateSpecs.size()];
      at = stateFrom[i];
      for (int k = 0; k < st.length; k++) {
        st[k] = state.view(at, stateSpecs.get(k).shape());
        at += stateSpecs.get(k).shape().size();
      }
      node.layer.bind(p, g, st);
    }
  }

  public Pass newPass(Engine engine) {
    return new Pass(engine, graph);
  }

  /** Runs every layer; returns the output tensors (owned by the pass, valid until its next use). */
  public Tensor[] forward(Pass pass, Tensor[] inputs, boolean training, long seed) {
    int batch = checkInputs(inputs);
    pass.batch = batch;
    pass.training = training;
    pass.seed = seed;
    for (int k = 0; k < graph.inputs.length; k++) {
      pass.out[graph.inputs[k]] = inputs[k];
    }
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput()) {
        continue;
      }
      Tensor[] in = pass.in[i];
      for (int j = 0; j < in.length; j++) {
        in[j] = pass.out[node.inputs[j]];
      }
      Tensor out = pass.ws.buffer(i, OUT, batch, node.shape);
      pass.out[i] = out;
      // a frozen layer computes as in inference (BatchNorm keeps its statistics)
      pass.ws.enter(i, training && !node.layer.isFrozen(), seed);
      node.layer.forward(pass.ws, in, out);
    }
    for (int k = 0; k < graph.outputs.length; k++) {
      pass.results[k] = pass.out[graph.outputs[k]];
    }
    return pass.results;
  }

  /** {@link #forward(Pass, Tensor[], boolean, long)} for one input, allocating nothing. */
  public Tensor[] forward(Pass pass, Tensor input, boolean training, long seed) {
    pass.single[0] = input;
    try {
      return forward(pass, pass.single, training, seed);
    } finally {
      pass.single[0] = null;
    }
  }

  /**
   * Backward from the gradients of the outputs; overwrites the flat gradient buffer. With {@code
   * inputGradients}, also computes the gradients of the model inputs ({@link #inputGradient}).
   */
  public void backward(
      Pass pass, Tensor[] gradOutputs, GradientReadyListener listener, boolean inputGradients) {
    if (pass.batch == 0) {
      throw new IllegalStateException("backward called before forward");
    }
    if (gradOutputs.length != graph.outputs.length) {
      throw new OrcaDataException(
          "backward needs "
              + graph.outputs.length
              + " output gradient(s), got "
              + gradOutputs.length);
    }
    int batch = pass.batch;
    java.util.Arrays.fill(pass.hasGrad, false);
    for (int k = 0; k < graph.outputs.length; k++) {
      int node = graph.outputs[k];
      Tensor g = pass.ws.buffer(node, GRAD, batch, graph.nodes[node].shape);
      if (gradOutputs[k].size() != g.size()) {
        throw new OrcaDataException(
            "the gradient of output '"
                + graph.nodes[node].name
                + "' has shape "
                + gradOutputs[k].shape()
                + ", the output has "
                + g.shape());
      }
      if (gradOutputs[k] != g) {
        g.copyFrom(gradOutputs[k]);
      }
      pass.hasGrad[node] = true;
    }
    boolean[] needs = markNeeded(pass.needsGrad, inputGradients);
    for (int i = graph.nodes.length - 1; i >= 0; i--) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput()) {
        continue;
      }
      if (!needs[i]) {
        // frozen, and nothing before it trains: its weight gradients stay zero
        if (listener != null && paramTo[i] > paramFrom[i]) {
          listener.ready(paramFrom[i], paramTo[i]);
        }
        continue;
      }
      Tensor g = pass.ws.buffer(i, GRAD, batch, node.shape);
      if (!pass.hasGrad[i]) {
        g.fill(0f);
      }
      Tensor[] gin = pass.gradIn[i];
      for (int j = 0; j < gin.length; j++) {
        int src = node.inputs[j];
        Graph.Node from = graph.nodes[src];
        if (!needs[src]) {
          gin[j] = null;
        } else if (!pass.hasGrad[src]) {
          gin[j] = pass.ws.buffer(src, GRAD, batch, from.shape);
          pass.hasGrad[src] = true;
        } else {
          gin[j] = pass.ws.buffer(i, FANIN + j, batch, from.shape);
        }
      }
      pass.ws.enter(i, pass.training && !node.layer.isFrozen(), pass.seed);
      node.layer.backward(pass.ws, pass.in[i], pass.out[i], g, gin);
      for (int j = 0; j < gin.length; j++) {
        int src = node.inputs[j];
        if (gin[j] != null && gin[j] != pass.ws.buffer(src, GRAD, batch, graph.nodes[src].shape)) {
          pass.ws
              .blas()
              .axpy(
                  gin[j].size(),
                  1f,
                  gin[j],
                  0,
                  pass.ws.buffer(src, GRAD, batch, graph.nodes[src].shape),
                  0);
        }
      }
      if (listener != null && paramTo[i] > paramFrom[i]) {
        listener.ready(paramFrom[i], paramTo[i]);
      }
    }
  }

  /**
   * Marks in {@code needs} the nodes backward must reach: a layer that trains (has weights and is
   * not frozen), whatever follows one, and, with {@code inputGradients}, the inputs and all after.
   */
  private boolean[] markNeeded(boolean[] needs, boolean inputGradients) {
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput()) {
        needs[i] = inputGradients;
        continue;
      }
      boolean need = !node.layer.isFrozen() && paramTo[i] > paramFrom[i];
      for (int j = 0; !need && j < node.inputs.length; j++) {
        need = needs[node.inputs[j]];
      }
      needs[i] = need;
    }
    return needs;
  }

  /**
   * The ranges {@code [from, to)} of the flat parameter buffer that train (layers not frozen),
   * adjacent ones merged, as {@code from0, to0, from1, to1...}.
   */
  public int[] trainableRanges() {
    int[] ranges = new int[2 * graph.nodes.length];
    int n = 0;
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput() || node.layer.isFrozen() || paramTo[i] == paramFrom[i]) {
        continue;
      }
      if (n > 0 && ranges[n - 1] == paramFrom[i]) {
        ranges[n - 1] = paramTo[i];
      } else {
        ranges[n++] = paramFrom[i];
        ranges[n++] = paramTo[i];
      }
    }
    return java.util.Arrays.copyOf(ranges, n);
  }

  /** The gradient of model input {@code k} after a backward with input gradients. */
  public Tensor inputGradient(Pass pass, int k) {
    int node = graph.inputs[k];
    Tensor g = pass.ws.buffer(node, GRAD, pass.batch, graph.nodes[node].shape);
    if (!pass.hasGrad[node]) {
      g.fill(0f);
    }
    return g;
  }

  private int checkInputs(Tensor[] inputs) {
    if (inputs.length != graph.inputs.length) {
      throw new OrcaDataException(
          "the model takes " + graph.inputs.length + " input(s), got " + inputs.length);
    }
    int batch = -1;
    for (int k = 0; k < inputs.length; k++) {
      Graph.Node node = graph.nodes[graph.inputs[k]];
      Tensor t = inputs[k];
      if (!t.isOpen()) {
        throw new OrcaDataException(
            "input '" + node.name + "' is a tensor whose memory was already freed by close()");
      }
      boolean ok = t.rank() == node.shape.rank() + 1;
      for (int d = 0; ok && d < node.shape.rank(); d++) {
        ok = t.dim(d + 1) == node.shape.dim(d);
      }
      if (!ok && t.rank() > 1 && t.dim(0) > 0 && t.size() / t.dim(0) != node.shape.size()) {
        // rows of the wrong number of values: the mistake fit names for data sets, named alike
        throw InputSplit.widthMismatch(
            t.size() / t.dim(0),
            node.shape.size(),
            inputs.length == 1 ? "input tensor" : "tensor for input '" + node.name + "'");
      }
      if (!ok) {
        throw new OrcaDataException(
            "input '"
                + node.name
                + "' takes (batch, "
                + node.shape.toString().replaceAll("^\\(|,?\\)$", "")
                + "), got a tensor of shape "
                + t.shape());
      }
      if (batch >= 0 && t.dim(0) != batch) {
        throw new OrcaDataException(
            "all inputs need the same batch size: input '"
                + node.name
                + "' has "
                + t.dim(0)
                + " rows, the first input "
                + batch);
      }
      batch = t.dim(0);
    }
    if (batch == 0) {
      throw new OrcaDataException("the batch is empty: give at least one row");
    }
    return batch;
  }
}

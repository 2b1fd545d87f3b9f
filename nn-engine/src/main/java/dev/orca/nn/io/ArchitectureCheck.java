package dev.orca.nn.io;

import dev.orca.OrcaDataException;
import dev.orca.nn.Shape;
import dev.orca.nn.internal.Graph;
import dev.orca.nn.internal.Network;
import dev.orca.nn.layers.Layer;

/**
 * Checks a model file's architecture before anything is built from it. The checksum only proves
 * that the file is as it was written; these checks keep a forged file (or a faulty writer) from
 * reaching the model with dangling node indices, shapes its layers do not produce, or more node
 * inputs than its bytes can describe (the per-node buffers of a pass grow with them).
 */
final class ArchitectureCheck {
  private ArchitectureCheck() {}

  /** The network of {@code graph}, read from an architecture section of {@code bytes} bytes. */
  static Network network(Graph graph, int bytes) {
    if (graph.nodes == null || graph.inputs == null || graph.outputs == null) {
      throw inconsistent("it lacks its node, input or output list");
    }
    long fanIn = 0;
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node == null || node.name == null || node.inputs == null || node.shape == null) {
        throw inconsistent("node " + i + " lacks its name, inputs or shape");
      }
      fanIn += node.inputs.length;
      if (fanIn > bytes) {
        throw inconsistent(
            "its nodes take more inputs than an architecture of " + bytes + " bytes can describe");
      }
      if (node.isInput()) {
        if (node.inputs.length != 0) {
          throw inconsistent(
              "input '" + ModelFile.printable(node.name) + "' is given inputs of its own");
        }
        continue;
      }
      checkLayerNode(graph, i);
    }
    checkEnds(graph, graph.inputs, "input", true);
    checkEnds(graph, graph.outputs, "output", false);
    try {
      return new Network(graph);
    } catch (RuntimeException e) {
      throw inconsistent("its parameters cannot be laid out (" + message(e) + ")", e);
    }
  }

  /** Inputs that come earlier, as many as the layer takes, giving the shape the node declares. */
  private static void checkLayerNode(Graph graph, int i) {
    Graph.Node node = graph.nodes[i];
    String name = ModelFile.printable(node.name);
    Layer layer = node.layer;
    int n = node.inputs.length;
    if (n < layer.minInputs() || n > layer.maxInputs()) {
      throw inconsistent(
          "node '"
              + name
              + "' gives its "
              + layer.getClass().getSimpleName()
              + " "
              + n
              + " input(s)");
    }
    Shape[] in = new Shape[n];
    for (int j = 0; j < n; j++) {
      int from = node.inputs[j];
      if (from < 0 || from >= i) {
        throw inconsistent(
            "node '" + name + "' takes node " + from + " as input, which does not precede it");
      }
      in[j] = graph.nodes[from].shape;
    }
    Shape out;
    try {
      out = layer.outputShape(in);
    } catch (RuntimeException e) {
      throw inconsistent("node '" + name + "' cannot take its inputs (" + message(e) + ")", e);
    }
    if (!out.equals(node.shape)) {
      throw inconsistent(
          "node '"
              + name
              + "' is declared with shape "
              + node.shape
              + " but its layer makes "
              + out
              + " from its inputs");
    }
  }

  private static void checkEnds(Graph graph, int[] ends, String what, boolean mustBeInputs) {
    if (ends.length == 0) {
      throw inconsistent("it has no " + what);
    }
    for (int k : ends) {
      if (k < 0 || k >= graph.nodes.length || (mustBeInputs && !graph.nodes[k].isInput())) {
        throw inconsistent("its " + what + " " + k + " is not a node that can be one");
      }
    }
  }

  private static String message(RuntimeException e) {
    return e instanceof dev.orca.OrcaException ? e.getMessage() : e.toString();
  }

  private static OrcaDataException inconsistent(String what) {
    return inconsistent(what, null);
  }

  private static OrcaDataException inconsistent(String what, Throwable cause) {
    return new OrcaDataException(
        "the model file's architecture is inconsistent: "
            + what
            + ". The file was altered after its checksum was computed or written by a faulty"
            + " writer; save the model again",
        cause);
  }
}

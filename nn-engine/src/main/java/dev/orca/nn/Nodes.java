package dev.orca.nn;

import dev.orca.OrcaConfigurationException;
import dev.orca.common.Serialization;
import dev.orca.nn.internal.Graph;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A model's nodes by name, for transfer learning: finding named layers, what a node is computed
 * from, and the cut of a graph after some of its nodes.
 */
final class Nodes {
  private Nodes() {}

  /** The names of the layers (not inputs), in model order. */
  static List<String> layerNames(Graph graph) {
    List<String> names = new ArrayList<>();
    for (Graph.Node n : graph.nodes) {
      if (!n.isInput()) {
        names.add(n.name);
      }
    }
    return names;
  }

  /** The index of the node named {@code name}, or -1. */
  static int index(Graph graph, String name) {
    for (int i = 0; i < graph.nodes.length; i++) {
      if (graph.nodes[i].name.equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** The node indices of the named layers; fails naming an unknown name or an input. */
  static List<Integer> layerIndices(Graph graph, String... layers) {
    List<Integer> found = new ArrayList<>();
    for (String name : layers) {
      int at = index(graph, name);
      if (at < 0) {
        throw new OrcaConfigurationException(
            "the model has no layer '" + name + "'; its layers are " + layerNames(graph));
      }
      if (graph.nodes[at].isInput()) {
        throw new OrcaConfigurationException(
            "'"
                + name
                + "' is an input of the model, not a layer; its layers are "
                + layerNames(graph));
      }
      found.add(at);
    }
    return found;
  }

  /** Marks the given nodes and every node they are computed from. */
  static boolean[] ancestors(Graph graph, List<Integer> nodes) {
    boolean[] keep = new boolean[graph.nodes.length];
    for (int i : nodes) {
      keep[i] = true;
    }
    for (int i = graph.nodes.length - 1; i >= 0; i--) {
      if (keep[i]) {
        for (int from : graph.nodes[i].inputs) {
          keep[from] = true;
        }
      }
    }
    return keep;
  }

  /** A cut: the builder, and the names of the layers it took over. */
  record Cut(GraphModel builder, Set<String> layers) {}

  /**
   * A builder holding copies of the named nodes and of every node they are computed from, with
   * their names and frozen flags (the caller gives it the weights).
   */
  static Cut cut(Graph graph, String... names) {
    if (names.length == 0) {
      throw new OrcaConfigurationException(
          "cutAt needs the name of at least one node to cut after; the model's nodes are "
              + allNames(graph));
    }
    List<Integer> ends = new ArrayList<>();
    for (String name : names) {
      int at = index(graph, name);
      if (at < 0) {
        throw new OrcaConfigurationException(
            "the model has no node '" + name + "' to cut at; its nodes are " + allNames(graph));
      }
      ends.add(at);
    }
    boolean[] keep = ancestors(graph, ends);
    GraphModel g = new GraphModel();
    Set<String> layers = new HashSet<>();
    GraphModel.Node[] made = new GraphModel.Node[graph.nodes.length];
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node n = graph.nodes[i];
      if (!keep[i]) {
        continue;
      }
      if (n.isInput()) {
        made[i] = g.input(n.name, n.shape);
        continue;
      }
      GraphModel.Node[] from = new GraphModel.Node[n.inputs.length];
      for (int j = 0; j < from.length; j++) {
        from[j] = made[n.inputs[j]];
      }
      made[i] = g.apply(Serialization.copy(n.layer).named(n.name), from);
      layers.add(n.name);
    }
    return new Cut(g, layers);
  }

  private static List<String> allNames(Graph graph) {
    List<String> names = new ArrayList<>();
    for (Graph.Node n : graph.nodes) {
      names.add(n.name);
    }
    return names;
  }
}

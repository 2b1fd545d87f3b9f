package dev.orca.nn.internal;

import dev.orca.OrcaDataException;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.ParameterSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A copy of the weights and state of a model's layers, by layer name, to load into another model
 * whose layers of the same names have the same parameters: transfer learning's "load by name" and
 * the weights a cut model keeps. Held on the heap, so the source model may be closed meanwhile.
 */
public final class LayerWeights {
  /** One layer's parameters and state: their names and shapes in layout order, and the values. */
  private record Entry(List<String> names, List<Shape> shapes, float[] params, float[] state) {}

  private final Map<String, Entry> layers = new LinkedHashMap<>();

  private LayerWeights() {}

  /**
   * The weights of {@code network}'s layers named in {@code only} (every layer if null), read from
   * its flat buffers.
   */
  public static LayerWeights of(
      Network network, Tensor params, Tensor state, java.util.Set<String> only) {
    LayerWeights w = new LayerWeights();
    Graph graph = network.graph();
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput() || (only != null && !only.contains(node.name))) {
        continue;
      }
      List<String> names = new ArrayList<>();
      List<Shape> shapes = new ArrayList<>();
      specs(network, i, names, shapes);
      if (names.isEmpty()) {
        continue;
      }
      int p = network.paramTo(i) - network.paramFrom(i);
      int s = stateSize(network, i);
      float[] pv = new float[p];
      float[] sv = new float[s];
      params.data().get(params.offset() + network.paramFrom(i), pv, 0, p);
      state.data().get(state.offset() + network.stateFrom(i), sv, 0, s);
      w.layers.put(node.name, new Entry(List.copyOf(names), List.copyOf(shapes), pv, sv));
    }
    return w;
  }

  /** The names of the layers held, in the source's order. */
  public List<String> names() {
    return List.copyOf(layers.keySet());
  }

  /**
   * Writes the weights of every layer of {@code network} that has a namesake here into its flat
   * buffers; returns the names of the layers loaded, in the target's order. Checks every namesake
   * first: if one differs in its parameters (names or shapes), nothing is written and the error
   * names each difference. Fails too if no layer has a namesake here.
   */
  public List<String> copyInto(Network network, Tensor params, Tensor state, String source) {
    Graph graph = network.graph();
    List<Integer> matched = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      Entry e = node.isInput() ? null : layers.get(node.name);
      if (e == null) {
        continue;
      }
      List<String> names = new ArrayList<>();
      List<Shape> shapes = new ArrayList<>();
      specs(network, i, names, shapes);
      if (names.equals(e.names()) && shapes.equals(e.shapes())) {
        matched.add(i);
      } else {
        problems.add(difference(node.name, names, shapes, e));
      }
    }
    if (!problems.isEmpty()) {
      throw new OrcaDataException(
          "cannot load weights by name from "
              + source
              + ": "
              + String.join("; ", problems)
              + ". Nothing was loaded: rename the layer (Layer.named) so that it is not matched,"
              + " or give it the source's shape");
    }
    if (matched.isEmpty()) {
      throw new OrcaDataException(
          "cannot load weights by name from "
              + source
              + ": none of its layers with weights "
              + abbreviated(names())
              + " has a namesake in this model, whose layers are "
              + abbreviated(layerNames(graph)));
    }
    List<String> loaded = new ArrayList<>();
    for (int i : matched) {
      Entry e = layers.get(graph.nodes[i].name);
      params.data().put(params.offset() + network.paramFrom(i), e.params());
      state.data().put(state.offset() + network.stateFrom(i), e.state());
      loaded.add(graph.nodes[i].name);
    }
    return List.copyOf(loaded);
  }

  /** The first parameter (or state) in which the target layer differs from the source's. */
  private static String difference(
      String layer, List<String> names, List<Shape> shapes, Entry source) {
    for (int k = 0; k < Math.max(names.size(), source.names().size()); k++) {
      String here = k < names.size() ? names.get(k) + " " + shapes.get(k) : "nothing";
      String there =
          k < source.names().size()
              ? source.names().get(k) + " " + source.shapes().get(k)
              : "nothing";
      if (!here.equals(there)) {
        return "layer '"
            + layer
            + "' has "
            + here
            + " where the source's layer of that name has "
            + there;
      }
    }
    throw new IllegalStateException("no difference between the layers '" + layer + "'");
  }

  /** Parameter then state names (state prefixed "state ") and shapes of node {@code i}. */
  private static void specs(Network network, int i, List<String> names, List<Shape> shapes) {
    Graph.Node node = network.graph().nodes[i];
    Shape[] in = network.inputShapes(i);
    for (ParameterSpec p : node.layer.parameters(in)) {
      names.add(p.name());
      shapes.add(p.shape());
    }
    for (ParameterSpec p : node.layer.states(in)) {
      names.add("state " + p.name());
      shapes.add(p.shape());
    }
  }

  private static int stateSize(Network network, int i) {
    int n = 0;
    for (ParameterSpec p : network.graph().nodes[i].layer.states(network.inputShapes(i))) {
      n += p.shape().size();
    }
    return n;
  }

  private static List<String> layerNames(Graph graph) {
    List<String> names = new ArrayList<>();
    for (Graph.Node n : graph.nodes) {
      if (!n.isInput()) {
        names.add(n.name);
      }
    }
    return names;
  }

  private static String abbreviated(List<String> names) {
    return names.size() <= 12
        ? names.toString()
        : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
  }
}

package dev.orca.nn;

import dev.orca.OrcaConfigurationException;
import dev.orca.common.Serialization;
import dev.orca.nn.internal.Graph;
import dev.orca.nn.internal.LayerWeights;
import dev.orca.nn.layers.Layer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds a model as a graph of layers with any number of inputs, for example neural collaborative
 * filtering:
 *
 * <pre>{@code
 * GraphModel g = new GraphModel();
 * GraphModel.Node user = g.input("user", 1);
 * GraphModel.Node item = g.input("item", 1);
 * GraphModel.Node u = g.apply(new Flatten(), g.apply(new Embedding(users, 16), user));
 * GraphModel.Node i = g.apply(new Flatten(), g.apply(new Embedding(items, 16), item));
 * GraphModel.Node h = g.apply(new ReLU(), g.apply(new Dense(64), g.apply(new Concat(), u, i)));
 * Model model = g.optSeed(42).build(g.apply(new Dense(1), h));
 * }</pre>
 *
 * Shapes are inferred as layers are applied, so a mismatch fails at the line that caused it. {@link
 * #build} copies the layers: the builder and its layers can be reused.
 */
public final class GraphModel {
  private final List<Graph.Node> nodes = new ArrayList<>();
  private final List<Integer> inputs = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private final Map<String, Integer> counters = new HashMap<>();
  private long seed;
  private Engine engine;

  /** The weights of layers taken from a model by {@link Model#cutAt}, or null. */
  private LayerWeights carried;

  /** A node of the graph under construction. */
  public static final class Node {
    private final GraphModel owner;
    private final int index;

    private Node(GraphModel owner, int index) {
      this.owner = owner;
      this.index = index;
    }

    /** The per-sample shape this node produces. */
    public Shape shape() {
      return owner.nodes.get(index).shape;
    }

    public String name() {
      return owner.nodes.get(index).name;
    }
  }

  /** Declares an input with its per-sample shape (no batch dimension). */
  public Node input(String name, int... shape) {
    return input(name, Shape.of(shape));
  }

  public Node input(String name, Shape shape) {
    claim(name);
    nodes.add(new Graph.Node(name, null, new int[0], shape));
    inputs.add(nodes.size() - 1);
    return new Node(this, nodes.size() - 1);
  }

  /** Applies {@code layer} to {@code from} and returns its output node. */
  public Node apply(Layer layer, Node... from) {
    if (from.length < layer.minInputs() || from.length > layer.maxInputs()) {
      throw new OrcaConfigurationException(
          layer.getClass().getSimpleName()
              + " takes "
              + (layer.minInputs() == layer.maxInputs()
                  ? String.valueOf(layer.minInputs())
                  : "at least " + layer.minInputs())
              + " input(s), got "
              + from.length);
    }
    int[] ins = new int[from.length];
    Shape[] shapes = new Shape[from.length];
    for (int j = 0; j < from.length; j++) {
      if (from[j].owner != this) {
        throw new OrcaConfigurationException(
            "node '" + from[j].name() + "' belongs to another GraphModel");
      }
      ins[j] = from[j].index;
      shapes[j] = from[j].shape();
    }
    String name = layer.name() != null ? layer.name() : autoName(layer);
    claim(name);
    Shape out = layer.outputShape(shapes);
    nodes.add(new Graph.Node(name, layer, ins, out));
    return new Node(this, nodes.size() - 1);
  }

  /** The node named {@code name} (an input or a layer applied so far). */
  public Node node(String name) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).name.equals(name)) {
        return new Node(this, i);
      }
    }
    List<String> all = new ArrayList<>();
    for (Graph.Node n : nodes) {
      all.add(n.name);
    }
    throw new OrcaConfigurationException("the graph has no node '" + name + "'; it has " + all);
  }

  /**
   * Set by {@link Model#cutAt}: weights that {@link #build} puts into the layers they came from.
   */
  void carry(LayerWeights weights) {
    this.carried = weights;
  }

  /** The seed of the initial weights (default 0). */
  public GraphModel optSeed(long seed) {
    this.seed = seed;
    return this;
  }

  /** The engine to compute with (default {@link Engine#create()}). */
  public GraphModel optEngine(Engine engine) {
    this.engine = engine;
    return this;
  }

  /**
   * Builds the model with these outputs; its weights are drawn from the seed, except those of
   * layers taken from a model by {@link Model#cutAt}, which keep that model's weights.
   */
  public Model build(Node... outputs) {
    if (inputs.isEmpty()) {
      throw new OrcaConfigurationException(
          "the model has no input: declare one with input(name, shape)");
    }
    if (outputs.length == 0) {
      throw new OrcaConfigurationException(
          "the model has no output: pass the output node(s) to build");
    }
    int[] outs = new int[outputs.length];
    for (int k = 0; k < outs.length; k++) {
      outs[k] = outputs[k].index;
      for (int j = 0; j < k; j++) {
        if (outs[j] == outs[k]) {
          throw new OrcaConfigurationException(
              "output '" + outputs[k].name() + "' is listed twice");
        }
      }
    }
    int[] ins = inputs.stream().mapToInt(Integer::intValue).toArray();
    Graph graph = Serialization.copy(new Graph(nodes.toArray(new Graph.Node[0]), ins, outs));
    for (Graph.Node node : graph.nodes) {
      if (!node.isInput()) {
        node.layer.named(node.name);
      }
    }
    Model model = new Model(graph, engine != null ? engine : Engine.create(), seed, true);
    if (carried != null && !carried.names().isEmpty()) {
      try {
        model.loadCarried(carried);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
    return model;
  }

  private void claim(String name) {
    if (!names.add(name)) {
      throw new OrcaConfigurationException(
          "the name '" + name + "' is used twice in this model: give each layer its own");
    }
  }

  /** Keras-style names: dense, dense_1, conv2d, batch_norm... */
  private String autoName(Layer layer) {
    String base =
        layer
            .getClass()
            .getSimpleName()
            .replaceAll("([a-z])([A-Z])", "$1_$2")
            .toLowerCase(Locale.ROOT);
    while (true) {
      int k = counters.merge(base, 1, Integer::sum) - 1;
      String name = k == 0 ? base : base + "_" + k;
      if (!names.contains(name)) {
        return name;
      }
    }
  }
}

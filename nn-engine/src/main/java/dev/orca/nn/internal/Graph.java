package dev.orca.nn.internal;

import dev.orca.nn.Shape;
import dev.orca.nn.layers.Layer;
import java.io.Serializable;

/**
 * A model's architecture: nodes in topological order, each an input (no layer) or a layer applied
 * to earlier nodes, with its per-sample output shape. Serializable: it is the architecture section
 * of the model file and what a replica on another JVM is rebuilt from.
 */
public final class Graph implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One node: a model input or a layer applied to earlier nodes. */
  public static final class Node implements Serializable {
    private static final long serialVersionUID = 1L;
    public final String name;
    public final Layer layer;
    public final int[] inputs;
    public final Shape shape;

    public Node(String name, Layer layer, int[] inputs, Shape shape) {
      this.name = name;
      this.layer = layer;
      this.inputs = inputs;
      this.shape = shape;
    }

    public boolean isInput() {
      return layer == null;
    }
  }

  public final Node[] nodes;
  public final int[] inputs;
  public final int[] outputs;

  public Graph(Node[] nodes, int[] inputs, int[] outputs) {
    this.nodes = nodes;
    this.inputs = inputs;
    this.outputs = outputs;
  }
}

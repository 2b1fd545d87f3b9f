package dev.orca.nn;

import dev.orca.nn.layers.Layer;

/**
 * A Keras-style stack of layers, each fed by the one before. Only the input shape is given; every
 * other shape is inferred as layers are added (a mismatch fails at {@link #add}).
 *
 * <pre>{@code
 * Model mlp = new Sequential(64)
 *     .add(new Dense(128)).add(new ReLU())
 *     .add(new Dense(10))
 *     .optSeed(0).build();
 * System.out.print(mlp.summary());
 * }</pre>
 */
public final class Sequential {
  private final GraphModel graph = new GraphModel();
  private GraphModel.Node last;

  /** A stack whose input has this per-sample shape. */
  public Sequential(int... inputShape) {
    this(Shape.of(inputShape));
  }

  public Sequential(Shape inputShape) {
    last = graph.input("input", inputShape);
  }

  /** Appends a layer. */
  public Sequential add(Layer layer) {
    last = graph.apply(layer, last);
    return this;
  }

  /** The per-sample shape the stack produces so far. */
  public Shape outputShape() {
    return last.shape();
  }

  /** The seed of the initial weights (default 0). */
  public Sequential optSeed(long seed) {
    graph.optSeed(seed);
    return this;
  }

  /** The engine to compute with (default {@link Engine#create()}). */
  public Sequential optEngine(Engine engine) {
    graph.optEngine(engine);
    return this;
  }

  public Model build() {
    return graph.build(last);
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.Shape;

/**
 * One parameter (or one piece of non-trainable state) a layer asks for: its name, shape and how it
 * starts. The model places it in its flat buffer and hands the layer a view.
 */
public final class ParameterSpec {
  private final String name;
  private final Shape shape;
  private final Initializer initializer;
  private final int fanIn;
  private final int fanOut;

  public ParameterSpec(String name, Shape shape, Initializer initializer, int fanIn, int fanOut) {
    this.name = name;
    this.shape = shape;
    this.initializer = initializer;
    this.fanIn = fanIn;
    this.fanOut = fanOut;
  }

  /** A parameter that starts constant (zeros or ones). */
  public static ParameterSpec constant(String name, Shape shape, Initializer init) {
    return new ParameterSpec(name, shape, init, 1, 1);
  }

  public String name() {
    return name;
  }

  public Shape shape() {
    return shape;
  }

  public Initializer initializer() {
    return initializer;
  }

  public int fanIn() {
    return fanIn;
  }

  public int fanOut() {
    return fanOut;
  }
}

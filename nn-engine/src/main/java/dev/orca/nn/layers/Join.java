package dev.orca.nn.layers;

import dev.orca.nn.Shape;

/** A layer that joins two or more branches of a graph. */
abstract class Join extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public final int minInputs() {
    return 2;
  }

  @Override
  public final int maxInputs() {
    return Integer.MAX_VALUE;
  }

  /** For element-wise joins: every input has the first input's shape, which is the output shape. */
  final Shape sameShape(Shape... in) {
    for (Shape s : in) {
      requireShape(s.equals(in[0]), "inputs must have the same shape, got " + in[0] + " and " + s);
    }
    return in[0];
  }
}

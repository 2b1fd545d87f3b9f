package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;

/** Flattens each sample to one axis (row-major, so channels-last images flatten as Keras does). */
public final class Flatten extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return Shape.of(in[0].size());
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    out.copyFrom(in[0]);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      gradIn[0].copyFrom(g);
    }
  }
}

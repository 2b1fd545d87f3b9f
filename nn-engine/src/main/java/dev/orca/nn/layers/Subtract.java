package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;

/** The element-wise difference {@code a - b} of two inputs of the same shape. */
public final class Subtract extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public int minInputs() {
    return 2;
  }

  @Override
  public int maxInputs() {
    return 2;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].equals(in[1]), "inputs must have the same shape, got " + in[0] + " and " + in[1]);
    return in[0];
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    out.copyFrom(in[0]);
    ws.blas().axpy(out.size(), -1f, in[1], 0, out, 0);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      gradIn[0].copyFrom(g);
    }
    if (gradIn[1] != null) {
      gradIn[1].fill(0f);
      ws.blas().axpy(g.size(), -1f, g, 0, gradIn[1], 0);
    }
  }
}

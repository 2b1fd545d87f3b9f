package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;

/** The element-wise sum of two or more inputs of the same shape (residual joins). */
public final class Add extends Join {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return sameShape(in);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    out.copyFrom(in[0]);
    for (int k = 1; k < in.length; k++) {
      ws.blas().axpy(out.size(), 1f, in[k], 0, out, 0);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    for (Tensor d : gradIn) {
      if (d != null) {
        d.copyFrom(g);
      }
    }
  }
}

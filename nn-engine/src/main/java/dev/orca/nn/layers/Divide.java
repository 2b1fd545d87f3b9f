package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** The element-wise quotient {@code a / b} of two inputs of the same shape. */
public final class Divide extends Layer {
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
    FloatBuffer a = in[0].data();
    FloatBuffer b = in[1].data();
    FloatBuffer y = out.data();
    for (int i = 0, n = out.size(); i < n; i++) {
      y.put(out.offset() + i, a.get(in[0].offset() + i) / b.get(in[1].offset() + i));
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    FloatBuffer b = in[1].data();
    FloatBuffer y = out.data();
    FloatBuffer gs = g.data();
    for (int i = 0, n = out.size(); i < n; i++) {
      float bv = b.get(in[1].offset() + i);
      float gv = gs.get(g.offset() + i);
      if (gradIn[0] != null) {
        gradIn[0].data().put(gradIn[0].offset() + i, gv / bv);
      }
      if (gradIn[1] != null) {
        // d(a/b)/db = -a/b^2 = -y/b
        gradIn[1].data().put(gradIn[1].offset() + i, -gv * y.get(out.offset() + i) / bv);
      }
    }
  }
}

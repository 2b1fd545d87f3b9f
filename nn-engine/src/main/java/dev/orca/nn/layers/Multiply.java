package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** The element-wise product of two or more inputs of the same shape (e.g. generalised matrix factorisation). */
public final class Multiply extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public int minInputs() {
    return 2;
  }

  @Override
  public int maxInputs() {
    return Integer.MAX_VALUE;
  }

  @Override
  public Shape outputShape(Shape... in) {
    for (Shape s : in) {
      requireShape(s.equals(in[0]), "inputs must have the same shape, got " + in[0] + " and " + s);
    }
    return in[0];
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    FloatBuffer y = out.data();
    for (int i = 0, n = out.size(); i < n; i++) {
      float p = 1f;
      for (Tensor x : in) {
        p *= x.data().get(x.offset() + i);
      }
      y.put(out.offset() + i, p);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    for (int k = 0; k < in.length; k++) {
      Tensor d = gradIn[k];
      if (d == null) {
        continue;
      }
      for (int i = 0, n = out.size(); i < n; i++) {
        float p = g.data().get(g.offset() + i);
        for (int j = 0; j < in.length; j++) {
          if (j != k) {
            p *= in[j].data().get(in[j].offset() + i);
          }
        }
        d.data().put(d.offset() + i, p);
      }
    }
  }
}

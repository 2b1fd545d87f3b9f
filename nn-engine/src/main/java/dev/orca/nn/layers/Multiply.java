package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/**
 * The element-wise product of two or more inputs of the same shape (e.g. generalised matrix
 * factorisation).
 */
public final class Multiply extends Join {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return sameShape(in);
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

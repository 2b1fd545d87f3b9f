package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;

/** Joins two or more inputs along their last axis; the other axes must agree. */
public final class Concat extends Join {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    int width = 0;
    for (Shape s : in) {
      requireShape(
          s.rank() == in[0].rank() && s.with(-1, 0).equals(in[0].with(-1, 0)),
          "inputs must agree on all but the last axis, got " + in[0] + " and " + s);
      width += s.dim(-1);
    }
    return in[0].with(-1, width);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    int width = out.dim(-1);
    int rows = out.size() / width;
    int at = 0;
    for (Tensor x : in) {
      int w = x.dim(-1);
      for (int r = 0; r < rows; r++) {
        out.data().put(out.offset() + r * width + at, x.data(), x.offset() + r * w, w);
      }
      at += w;
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    int width = out.dim(-1);
    int rows = out.size() / width;
    int at = 0;
    for (int k = 0; k < in.length; k++) {
      int w = in[k].dim(-1);
      if (gradIn[k] != null) {
        for (int r = 0; r < rows; r++) {
          gradIn[k]
              .data()
              .put(gradIn[k].offset() + r * w, g.data(), g.offset() + r * width + at, w);
        }
      }
      at += w;
    }
  }
}

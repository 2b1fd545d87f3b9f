package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.util.Arrays;

/** Gives each sample another shape with the same number of values (row-major order is kept). */
public final class Reshape extends Layer {
  private static final long serialVersionUID = 1L;
  private final int[] dims;

  /** The per-sample shape to produce. */
  public Reshape(int... dims) {
    this.dims = dims.clone();
    for (int d : dims) {
      require(d >= 0, "dimensions must not be negative, got " + Arrays.toString(dims));
    }
  }

  public Shape target() {
    return Shape.of(dims);
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(dims != null, "has no target shape");
    Shape out = Shape.of(dims);
    requireShape(
        out.size() == in[0].size(),
        "cannot reshape samples of shape " + in[0] + " to " + out + ": the sizes differ");
    return out;
  }

  @Override
  public String describe() {
    return "to " + Shape.of(dims);
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

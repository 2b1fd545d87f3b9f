package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Picks fixed positions along one per-sample axis: the output replaces that axis by the indices'
 * shape (a scalar index removes it). For example the last step of sequences {@code (steps,
 * features)} is {@code new Gather(0, new int[] {-1}, new int[0])}. Negative indices count from the
 * end. Its backward adds each output's gradient to the position it came from.
 */
public final class Gather extends Layer {
  private static final long serialVersionUID = 1L;
  private final int axis;
  private final int[] indices;
  private final int[] indicesShape;

  /**
   * Positions {@code indices} (laid out as {@code indicesShape}) along per-sample axis {@code
   * axis}.
   */
  public Gather(int axis, int[] indices, int[] indicesShape) {
    this.axis = axis;
    this.indices = indices.clone();
    this.indicesShape = indicesShape.clone();
    require(
        Shape.of(indicesShape).size() == indices.length,
        "indices shape " + Arrays.toString(indicesShape) + " does not hold " + indices.length);
  }

  public int axis() {
    return axis;
  }

  public int[] indices() {
    return indices.clone();
  }

  public int[] indicesShape() {
    return indicesShape.clone();
  }

  @Override
  public Shape outputShape(Shape... in) {
    Shape x = in[0];
    requireShape(
        indices != null && indicesShape != null && Shape.of(indicesShape).size() == indices.length,
        "its indices do not match their shape");
    requireShape(axis >= 0 && axis < x.rank(), "axis " + axis + " is outside samples " + x);
    int n = x.dim(axis);
    for (int i : indices) {
      requireShape(i >= -n && i < n, "index " + i + " is outside axis " + axis + " of size " + n);
    }
    int[] d = new int[x.rank() - 1 + indicesShape.length];
    int k = 0;
    for (int i = 0; i < axis; i++) {
      d[k++] = x.dim(i);
    }
    for (int s : indicesShape) {
      d[k++] = s;
    }
    for (int i = axis + 1; i < x.rank(); i++) {
      d[k++] = x.dim(i);
    }
    return Shape.of(d);
  }

  @Override
  public String describe() {
    return "axis " + axis + ", indices " + Arrays.toString(indices);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    walk(in[0], out, false);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      gradIn[0].fill(0f);
      walk(gradIn[0], g, true);
    }
  }

  /** Copies the picked slices from x to y, or adds y's slices back onto x. */
  private void walk(Tensor x, Tensor y, boolean back) {
    int n = x.dim(axis + 1);
    int outer = 1;
    for (int i = 1; i <= axis; i++) {
      outer *= x.dim(i);
    }
    outer *= x.dim(0);
    int inner = x.size() / (outer * n);
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int yAt = y.offset();
    for (int o = 0; o < outer; o++) {
      for (int index : indices) {
        int xAt = x.offset() + (o * n + (index < 0 ? index + n : index)) * inner;
        if (back) {
          for (int j = 0; j < inner; j++) {
            xs.put(xAt + j, xs.get(xAt + j) + ys.get(yAt + j));
          }
        } else {
          ys.put(yAt, xs, xAt, inner);
        }
        yAt += inner;
      }
    }
  }
}

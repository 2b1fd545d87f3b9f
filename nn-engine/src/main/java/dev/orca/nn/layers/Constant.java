package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.util.List;

/**
 * Outputs the same tensor for every sample: its state {@code value}, which is not trained. Its
 * input only gives the batch size (any node will do), so a fixed tensor can enter a graph, as ONNX
 * {@code Constant} nodes need.
 */
public final class Constant extends Layer {
  private static final long serialVersionUID = 1L;
  private final Shape shape;

  /** A constant of this per-sample shape; set its values through the model's state "value". */
  public Constant(Shape shape) {
    require(shape != null, "needs a shape");
    this.shape = shape;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(shape != null, "has no shape");
    return shape;
  }

  @Override
  public List<ParameterSpec> states(Shape... in) {
    return List.of(ParameterSpec.constant("value", shape, Initializer.ZEROS));
  }

  @Override
  public String describe() {
    return "constant " + shape;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor v = state(0);
    int n = v.size();
    for (int b = 0; b < out.dim(0); b++) {
      out.data().put(out.offset() + b * n, v.data(), v.offset(), n);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      gradIn[0].fill(0f);
    }
  }
}

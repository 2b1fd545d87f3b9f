package com.example.orcalayers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Initializer;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.ParameterSpec;
import dev.orca.nn.layers.Workspace;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * A user's own layer, outside Orca's packages: {@code y = x * sigmoid(k * beta * x)}, Swish with a
 * trainable slope {@code beta} per feature (starting at 1) and a configured sharpness {@code k}.
 */
public class ScaledSwish extends Layer {
  private static final long serialVersionUID = 1L;
  private final float sharpness;

  public ScaledSwish(float sharpness) {
    this.sharpness = sharpness;
  }

  @Override
  public Shape outputShape(Shape... in) {
    return in[0];
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    return List.of(ParameterSpec.constant("beta", Shape.of(in[0].dim(-1)), Initializer.ONES));
  }

  @Override
  public String describe() {
    return "sharpness " + sharpness;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    FloatBuffer x = in[0].data();
    FloatBuffer b = param(0).data();
    int f = param(0).size();
    for (int i = 0, n = out.size(); i < n; i++) {
      float v = x.get(in[0].offset() + i);
      float s = sigmoid(sharpness * b.get(param(0).offset() + i % f) * v);
      out.data().put(out.offset() + i, v * s);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    FloatBuffer x = in[0].data();
    FloatBuffer b = param(0).data();
    int f = param(0).size();
    if (!isFrozen()) {
      grad(0).fill(0f);
    }
    for (int i = 0, n = out.size(); i < n; i++) {
      float v = x.get(in[0].offset() + i);
      float beta = sharpness * b.get(param(0).offset() + i % f);
      float s = sigmoid(beta * v);
      float gv = g.data().get(g.offset() + i);
      if (!isFrozen()) {
        int at = grad(0).offset() + i % f;
        grad(0).data().put(at, grad(0).data().get(at) + gv * v * v * sharpness * s * (1 - s));
      }
      if (gradIn[0] != null) {
        gradIn[0].data().put(gradIn[0].offset() + i, gv * (s + beta * v * s * (1 - s)));
      }
    }
  }

  private static float sigmoid(float v) {
    return (float) (1 / (1 + Math.exp(-v)));
  }

  /** A subclass: registering {@link ScaledSwish} does not admit it. */
  public static final class Variant extends ScaledSwish {
    private static final long serialVersionUID = 1L;

    public Variant() {
      super(2f);
    }
  }
}

package com.example.orcauser;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Initializer;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.ParameterSpec;
import dev.orca.nn.layers.Workspace;
import java.util.List;

/**
 * A user's own layer, outside Orca's packages: a trainable scale per feature, {@code y = x * w}.
 */
public final class FeatureScale extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public Shape outputShape(Shape... in) {
    return in[0];
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    return List.of(ParameterSpec.constant("scale", Shape.of(in[0].dim(-1)), Initializer.ONES));
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    int f = param(0).size();
    for (int i = 0, n = out.size(); i < n; i++) {
      out.data().put(out.offset() + i, in[0].data().get(in[0].offset() + i) * w(i % f));
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    int f = param(0).size();
    if (!isFrozen()) {
      grad(0).fill(0f);
    }
    for (int i = 0, n = out.size(); i < n; i++) {
      float gv = g.data().get(g.offset() + i);
      if (!isFrozen()) {
        int at = grad(0).offset() + i % f;
        grad(0).data().put(at, grad(0).data().get(at) + gv * in[0].data().get(in[0].offset() + i));
      }
      if (gradIn[0] != null) {
        gradIn[0].data().put(gradIn[0].offset() + i, gv * w(i % f));
      }
    }
  }

  private float w(int j) {
    return param(0).data().get(param(0).offset() + j);
  }
}

package dev.orca.nn.losses;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/** {@code mean((output - target)^2)} over all elements. */
public final class MeanSquaredError implements Loss {
  private static final long serialVersionUID = 1L;

  @Override
  public double compute(Tensor output, Tensor target, Tensor gradOut) {
    Loss.requireSameSize(name(), output, target);
    int n = output.size();
    FloatBuffer o = output.data();
    FloatBuffer t = target.data();
    double sum = 0;
    float scale = 2f / n;
    for (int i = 0; i < n; i++) {
      float d = o.get(output.offset() + i) - t.get(target.offset() + i);
      sum += (double) d * d;
      if (gradOut != null) {
        gradOut.data().put(gradOut.offset() + i, scale * d);
      }
    }
    return sum / n;
  }

  @Override
  public String name() {
    return "mse";
  }
}

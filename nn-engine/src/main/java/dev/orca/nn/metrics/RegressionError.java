package dev.orca.nn.metrics;

import dev.orca.nn.Tensor;

/** Mean squared, mean absolute or root mean squared error; state {@code [sum, count]}. */
public final class RegressionError implements Metric {
  private static final long serialVersionUID = 1L;

  /** Which error. */
  public enum Kind {
    MSE,
    MAE,
    RMSE
  }

  private final Kind kind;

  public RegressionError(Kind kind) {
    this.kind = kind;
  }

  @Override
  public String name() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public int stateSize() {
    return 2;
  }

  @Override
  public void update(double[] state, Tensor output, Tensor target) {
    Labels.checkSameSize(name(), output, target);
    for (int i = 0, n = output.size(); i < n; i++) {
      double d = output.data().get(output.offset() + i) - target.data().get(target.offset() + i);
      state[0] += kind == Kind.MAE ? Math.abs(d) : d * d;
    }
    state[1] += output.size();
  }

  @Override
  public double result(double[] state) {
    double mean = state[1] == 0 ? 0 : state[0] / state[1];
    return kind == Kind.RMSE ? Math.sqrt(mean) : mean;
  }
}

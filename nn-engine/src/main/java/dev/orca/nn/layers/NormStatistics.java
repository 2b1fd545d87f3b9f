package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;

/**
 * The statistics LayerNorm normalises with, as an output: over the last {@code axes} axes of each
 * sample, their mean, or their inverse standard deviation {@code 1 / sqrt(variance + epsilon)}. The
 * normalised axes are kept with size 1 (ONNX LayerNormalization's Mean and InvStdDev outputs).
 */
public final class NormStatistics extends Layer {
  private static final long serialVersionUID = 1L;

  /** Which statistic. */
  public enum Statistic {
    MEAN,
    INVERSE_STD
  }

  private final int axes;
  private final float epsilon;
  private final Statistic statistic;

  public NormStatistics(int axes, float epsilon, Statistic statistic) {
    require(
        axes > 0 && epsilon > 0 && statistic != null, "needs axes > 0, epsilon > 0, a statistic");
    this.axes = axes;
    this.epsilon = epsilon;
    this.statistic = statistic;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        axes > 0 && axes <= in[0].rank() && statistic != null,
        "summarises the last " + axes + " axes, got samples of shape " + in[0]);
    Shape out = in[0];
    for (int i = 1; i <= axes; i++) {
      out = out.with(-i, 1);
    }
    return out;
  }

  @Override
  public String describe() {
    return statistic.name().toLowerCase(java.util.Locale.ROOT)
        + " of the last "
        + axes
        + " axis(es)";
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int rows = out.size();
    int f = x.size() / rows;
    FloatBuffer xs = x.data();
    for (int r = 0; r < rows; r++) {
      int at = x.offset() + r * f;
      double sum = 0;
      for (int j = 0; j < f; j++) {
        sum += xs.get(at + j);
      }
      double mean = sum / f;
      float v;
      if (statistic == Statistic.MEAN) {
        v = (float) mean;
      } else {
        double sq = 0;
        for (int j = 0; j < f; j++) {
          double d = xs.get(at + j) - mean;
          sq += d * d;
        }
        v = (float) (1 / Math.sqrt(sq / f + epsilon));
      }
      out.data().put(out.offset() + r, v);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    Tensor dx = gradIn[0];
    if (dx == null) {
      return;
    }
    Tensor x = in[0];
    int rows = out.size();
    int f = x.size() / rows;
    FloatBuffer xs = x.data();
    for (int r = 0; r < rows; r++) {
      int at = x.offset() + r * f;
      float gv = g.data().get(g.offset() + r);
      if (statistic == Statistic.MEAN) {
        for (int j = 0; j < f; j++) {
          dx.data().put(dx.offset() + r * f + j, gv / f);
        }
        continue;
      }
      double sum = 0;
      for (int j = 0; j < f; j++) {
        sum += xs.get(at + j);
      }
      double mean = sum / f;
      // d s / d x_j = -s^3 (x_j - mean) / f, with s = out
      double s = out.data().get(out.offset() + r);
      double scale = -gv * s * s * s / f;
      for (int j = 0; j < f; j++) {
        dx.data().put(dx.offset() + r * f + j, (float) (scale * (xs.get(at + j) - mean)));
      }
    }
  }
}

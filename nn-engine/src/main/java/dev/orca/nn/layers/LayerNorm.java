package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Layer normalisation: each sample is normalised over its last {@code axes} axes (by default the
 * last one, the features of each step) to zero mean and unit variance, then scaled by {@code gamma}
 * and shifted by {@code beta}, both of the normalised axes' shape. The same in training and
 * inference: no running statistics.
 */
public final class LayerNorm extends Layer {
  private static final long serialVersionUID = 1L;
  private final int axes;
  private final float epsilon;

  /** Over the last axis, epsilon 1e-5. */
  public LayerNorm() {
    this(1, 1e-5f);
  }

  public LayerNorm(int axes, float epsilon) {
    require(axes > 0, "axes must be positive, got " + axes);
    require(epsilon > 0, "epsilon must be positive, got " + epsilon);
    this.axes = axes;
    this.epsilon = epsilon;
  }

  public int axes() {
    return axes;
  }

  public float epsilon() {
    return epsilon;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        axes > 0 && axes <= in[0].rank(),
        "normalises the last " + axes + " axes, got samples of shape " + in[0]);
    return in[0];
  }

  /** The shape of the normalised axes, which gamma and beta have. */
  private Shape normalised(Shape in) {
    int[] d = in.dims();
    return Shape.of(Arrays.copyOfRange(d, d.length - axes, d.length));
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    Shape f = normalised(in[0]);
    return List.of(
        ParameterSpec.constant("gamma", f, Initializer.ONES),
        ParameterSpec.constant("beta", f, Initializer.ZEROS));
  }

  @Override
  public String describe() {
    return "last " + axes + " axis(es), epsilon=" + epsilon;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int f = param(0).size();
    int rows = x.size() / f;
    Tensor xhat = ws.scratchLike(0, x);
    Tensor inv = ws.scratch(1, 1, rows);
    FloatBuffer xs = x.data();
    FloatBuffer xh = xhat.data();
    FloatBuffer y = out.data();
    FloatBuffer gamma = param(0).data();
    FloatBuffer beta = param(1).data();
    int go = param(0).offset();
    int bo = param(1).offset();
    for (int r = 0; r < rows; r++) {
      int at = r * f;
      double sum = 0;
      for (int j = 0; j < f; j++) {
        sum += xs.get(x.offset() + at + j);
      }
      double mean = sum / f;
      double sq = 0;
      for (int j = 0; j < f; j++) {
        double d = xs.get(x.offset() + at + j) - mean;
        sq += d * d;
      }
      float s = (float) (1 / Math.sqrt(sq / f + epsilon));
      inv.data().put(inv.offset() + r, s);
      for (int j = 0; j < f; j++) {
        float v = (float) (xs.get(x.offset() + at + j) - mean) * s;
        xh.put(xhat.offset() + at + j, v);
        y.put(out.offset() + at + j, gamma.get(go + j) * v + beta.get(bo + j));
      }
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    int f = param(0).size();
    int rows = g.size() / f;
    Tensor xhat = ws.scratchLike(0, g);
    Tensor inv = ws.scratch(1, 1, rows);
    FloatBuffer xh = xhat.data();
    FloatBuffer gs = g.data();
    FloatBuffer gamma = param(0).data();
    int go = param(0).offset();
    boolean weights = !isFrozen();
    Tensor dGamma = grad(0);
    Tensor dBeta = grad(1);
    if (weights) {
      dGamma.fill(0f);
      dBeta.fill(0f);
    }
    for (int r = 0; r < rows; r++) {
      int at = r * f;
      double sumD = 0;
      double sumDx = 0;
      for (int j = 0; j < f; j++) {
        float gv = gs.get(g.offset() + at + j);
        float xv = xh.get(xhat.offset() + at + j);
        if (weights) {
          dGamma.data().put(dGamma.offset() + j, dGamma.data().get(dGamma.offset() + j) + gv * xv);
          dBeta.data().put(dBeta.offset() + j, dBeta.data().get(dBeta.offset() + j) + gv);
        }
        float d = gv * gamma.get(go + j);
        sumD += d;
        sumDx += d * xv;
      }
      if (gradIn[0] != null) {
        float s = inv.data().get(inv.offset() + r);
        float meanD = (float) (sumD / f);
        float meanDx = (float) (sumDx / f);
        for (int j = 0; j < f; j++) {
          float d = gs.get(g.offset() + at + j) * gamma.get(go + j);
          float xv = xh.get(xhat.offset() + at + j);
          gradIn[0].data().put(gradIn[0].offset() + at + j, s * (d - meanD - xv * meanDx));
        }
      }
    }
  }
}

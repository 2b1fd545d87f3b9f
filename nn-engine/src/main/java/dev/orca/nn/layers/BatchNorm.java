package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.BatchNormOps;
import dev.orca.nn.internal.dnnl.Unsupported;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Batch normalisation over the last axis (features, or channels of a channels-last image). In
 * training it normalises with the batch's mean and variance and updates running averages ({@code
 * running = momentum * running + (1 - momentum) * batch}); in inference it uses the running
 * averages, which live in the model's state buffer and travel with the weights.
 */
public final class BatchNorm extends Layer {
  private static final long serialVersionUID = 1L;
  private final float momentum;
  private final float epsilon;

  /** Keras' defaults: momentum 0.99, epsilon 0.001. */
  public BatchNorm() {
    this(0.99f, 1e-3f);
  }

  public BatchNorm(float momentum, float epsilon) {
    require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
    require(epsilon > 0, "epsilon must be positive, got " + epsilon);
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  public float momentum() {
    return momentum;
  }

  public float epsilon() {
    return epsilon;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(in[0].rank() >= 1, "needs at least one axis per sample, got " + in[0]);
    return in[0];
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    Shape f = Shape.of(in[0].dim(-1));
    return List.of(
        ParameterSpec.constant("gamma", f, Initializer.ONES),
        ParameterSpec.constant("beta", f, Initializer.ZEROS));
  }

  @Override
  public List<ParameterSpec> states(Shape... in) {
    Shape f = Shape.of(in[0].dim(-1));
    return List.of(
        ParameterSpec.constant("moving_mean", f, Initializer.ZEROS),
        ParameterSpec.constant("moving_variance", f, Initializer.ONES));
  }

  @Override
  public String describe() {
    return "momentum=" + momentum + ", epsilon=" + epsilon;
  }

  /** The oneDNN primitives for {@code rows x f} data, or null for the code below. */
  private BatchNormOps primitives(Workspace ws, int rows, int f) {
    if (ws.dnnl() == null) {
      return null;
    }
    BatchNormOps ops = ws.kept(0, BatchNormOps.class);
    if (ops != null && ops.matches(rows, f)) {
      return ops;
    }
    Unsupported no = ws.kept(0, Unsupported.class);
    if (no != null && no.matches(rows, f, 0, 0)) {
      return null;
    }
    ops = BatchNormOps.create(ws.dnnl(), rows, f, epsilon);
    if (ops == null) {
      ws.keep(0, new Unsupported("batch normalisation", rows, f, 0, 0));
      return null;
    }
    return ws.keep(0, ops);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int f = x.dim(-1);
    int rows = x.size() / f;
    BatchNormOps ops = primitives(ws, rows, f);
    if (ops == null) {
      forwardHere(ws, x, out);
    } else if (ws.training()) {
      ops.forwardTraining(x, param(0), param(1), out);
      FloatBuffer mean = ops.mean();
      FloatBuffer var = ops.variance();
      FloatBuffer rm = state(0).data();
      FloatBuffer rv = state(1).data();
      for (int j = 0; j < f; j++) {
        int m = state(0).offset() + j;
        int v = state(1).offset() + j;
        rm.put(m, momentum * rm.get(m) + (1 - momentum) * mean.get(j));
        rv.put(v, momentum * rv.get(v) + (1 - momentum) * var.get(j));
      }
    } else {
      ops.forwardInference(x, param(0), param(1), state(0), state(1), out);
    }
  }

  /** The reference forward: statistics in double, the normalised input kept for backward. */
  private void forwardHere(Workspace ws, Tensor x, Tensor out) {
    int f = x.dim(-1);
    int rows = x.size() / f;
    Tensor stats = ws.scratch(1, 2, f);
    FloatBuffer st = stats.data();
    int meanAt = stats.offset();
    int invAt = stats.offset() + f;
    FloatBuffer xs = x.data();
    if (ws.training()) {
      for (int j = 0; j < f; j++) {
        double sum = 0;
        double sq = 0;
        for (int r = 0; r < rows; r++) {
          double v = xs.get(x.offset() + r * f + j);
          sum += v;
          sq += v * v;
        }
        double mean = sum / rows;
        double var = Math.max(0, sq / rows - mean * mean);
        st.put(meanAt + j, (float) mean);
        st.put(invAt + j, (float) (1 / Math.sqrt(var + epsilon)));
        Tensor rm = state(0);
        Tensor rv = state(1);
        rm.data()
            .put(
                rm.offset() + j,
                (float) (momentum * rm.data().get(rm.offset() + j) + (1 - momentum) * mean));
        rv.data()
            .put(
                rv.offset() + j,
                (float) (momentum * rv.data().get(rv.offset() + j) + (1 - momentum) * var));
      }
    } else {
      for (int j = 0; j < f; j++) {
        st.put(meanAt + j, state(0).data().get(state(0).offset() + j));
        st.put(
            invAt + j,
            (float) (1 / Math.sqrt(state(1).data().get(state(1).offset() + j) + epsilon)));
      }
    }
    Tensor xhat = ws.scratchLike(0, x);
    FloatBuffer xh = xhat.data();
    FloatBuffer y = out.data();
    Tensor gamma = param(0);
    Tensor beta = param(1);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < f; j++) {
        int i = r * f + j;
        float v = (xs.get(x.offset() + i) - st.get(meanAt + j)) * st.get(invAt + j);
        xh.put(xhat.offset() + i, v);
        y.put(
            out.offset() + i,
            gamma.data().get(gamma.offset() + j) * v + beta.data().get(beta.offset() + j));
      }
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    int f = g.dim(-1);
    int rows = g.size() / f;
    BatchNormOps ops = primitives(ws, rows, f);
    if (ops != null && ws.training()) {
      Tensor dx = gradIn[0] != null ? gradIn[0] : ws.scratchLike(2, g);
      ops.backward(in[0], g, param(0), grad(0), grad(1), dx);
      return;
    }
    if (ops != null) {
      // after an inference forward on oneDNN: the code below needs its own forward's scratch
      forwardHere(ws, in[0], out);
    }
    Tensor xhat = ws.scratchLike(0, g);
    Tensor stats = ws.scratch(1, 2, f);
    FloatBuffer xh = xhat.data();
    FloatBuffer gs = g.data();
    Tensor dGamma = grad(0);
    Tensor dBeta = grad(1);
    // frozen, the layer ran as in inference: its input gradient needs none of the batch sums
    for (int j = 0; !isFrozen() && j < f; j++) {
      double sg = 0;
      double sgx = 0;
      for (int r = 0; r < rows; r++) {
        int i = r * f + j;
        float gv = gs.get(g.offset() + i);
        sg += gv;
        sgx += gv * xh.get(xhat.offset() + i);
      }
      dBeta.data().put(dBeta.offset() + j, (float) sg);
      dGamma.data().put(dGamma.offset() + j, (float) sgx);
    }
    if (gradIn[0] == null) {
      return;
    }
    FloatBuffer d = gradIn[0].data();
    for (int j = 0; j < f; j++) {
      float scale =
          param(0).data().get(param(0).offset() + j) * stats.data().get(stats.offset() + f + j);
      float sg = ws.training() ? dBeta.data().get(dBeta.offset() + j) : 0f;
      float sgx = ws.training() ? dGamma.data().get(dGamma.offset() + j) : 0f;
      for (int r = 0; r < rows; r++) {
        int i = r * f + j;
        float gv = gs.get(g.offset() + i);
        float v =
            ws.training()
                ? scale * (gv - (sg + xh.get(xhat.offset() + i) * sgx) / rows)
                : scale * gv;
        d.put(gradIn[0].offset() + i, v);
      }
    }
  }
}

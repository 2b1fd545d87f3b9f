package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.RecurrentOps;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * A long short-term memory layer over sequences {@code (steps, features)} per sample (leading axes,
 * if any, hold further independent sequences), gates in Keras' order (input, forget, cell, output),
 * zero initial state. The input projection of all steps is one GEMM; each step adds its recurrent
 * GEMM; backward through time mirrors that, so the weight gradients are two GEMMs plus one small
 * GEMM per step.
 */
public final class LSTM extends Layer {
  private static final long serialVersionUID = 1L;
  private final int units;
  private final boolean returnSequences;

  /** {@code units} hidden units; outputs the last step's hidden state. */
  public LSTM(int units) {
    this(units, false);
  }

  /** With {@code returnSequences}, outputs every step's hidden state {@code (steps, units)}. */
  public LSTM(int units, boolean returnSequences) {
    require(units > 0, "units must be positive, got " + units);
    this.units = units;
    this.returnSequences = returnSequences;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() >= 2, "takes sequences (..., steps, features) per sample, got " + in[0]);
    return returnSequences ? in[0].with(-1, units) : in[0].dropLast().with(-1, units);
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    int f = in[0].dim(-1);
    return List.of(
        new ParameterSpec(
            "kernel", Shape.of(f, 4 * units), Initializer.GLOROT_UNIFORM, f, 4 * units),
        new ParameterSpec(
            "recurrent_kernel",
            Shape.of(units, 4 * units),
            Initializer.GLOROT_UNIFORM,
            units,
            4 * units),
        ParameterSpec.constant("bias", Shape.of(4 * units), Initializer.ZEROS));
  }

  @Override
  public String describe() {
    return "units=" + units + (returnSequences ? ", all steps" : "");
  }

  public int units() {
    return units;
  }

  public boolean returnSequences() {
    return returnSequences;
  }

  private RecurrentOps primitives(Workspace ws, Tensor x) {
    int steps = x.dim(-2);
    int f = x.dim(-1);
    return Recurrent.primitives(
        ws, RecurrentOps.Cell.LSTM, x.size() / (steps * f), steps, f, units);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    RecurrentOps ops = primitives(ws, in[0]);
    if (ops != null) {
      ops.forward(ws.training(), in[0], param(0), param(1), param(2), out, returnSequences);
    } else {
      forwardHere(ws, in, out);
    }
  }

  /** The reference forward, keeping in the workspace what its backward reads. */
  private void forwardHere(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int steps = x.dim(-2);
    int f = x.dim(-1);
    int batch = x.size() / (steps * f);
    int g4 = 4 * units;
    Tensor z = ws.scratch(0, batch * steps, g4);
    Tensor c = ws.scratch(1, batch * steps, units);
    Tensor tc = ws.scratch(2, batch * steps, units);
    Tensor h = ws.scratch(3, batch * steps, units);
    ws.blas().gemm(false, false, batch * steps, g4, f, 1f, x, 0, f, param(0), 0, g4, 0f, z, 0, g4);
    FloatBuffer zs = z.data();
    Tensor b = param(2);
    for (int r = 0; r < batch * steps; r++) {
      for (int j = 0; j < g4; j++) {
        int at = z.offset() + r * g4 + j;
        zs.put(at, zs.get(at) + b.data().get(b.offset() + j));
      }
    }
    for (int t = 0; t < steps; t++) {
      if (t > 0) {
        ws.blas()
            .gemm(
                false,
                false,
                batch,
                g4,
                units,
                1f,
                h,
                (t - 1) * units,
                steps * units,
                param(1),
                0,
                g4,
                1f,
                z,
                t * g4,
                steps * g4);
      }
      for (int n = 0; n < batch; n++) {
        int row = n * steps + t;
        int zr = z.offset() + row * g4;
        for (int u = 0; u < units; u++) {
          float i = sigmoid(zs.get(zr + u));
          float fg = sigmoid(zs.get(zr + units + u));
          float gg = (float) Math.tanh(zs.get(zr + 2 * units + u));
          float o = sigmoid(zs.get(zr + 3 * units + u));
          zs.put(zr + u, i);
          zs.put(zr + units + u, fg);
          zs.put(zr + 2 * units + u, gg);
          zs.put(zr + 3 * units + u, o);
          float prev = t > 0 ? c.data().get(c.offset() + (row - 1) * units + u) : 0f;
          float cell = fg * prev + i * gg;
          float tanhCell = (float) Math.tanh(cell);
          c.data().put(c.offset() + row * units + u, cell);
          tc.data().put(tc.offset() + row * units + u, tanhCell);
          h.data().put(h.offset() + row * units + u, o * tanhCell);
        }
      }
    }
    if (returnSequences) {
      out.copyFrom(h);
    } else {
      for (int n = 0; n < batch; n++) {
        out.data()
            .put(
                out.offset() + n * units,
                h.data(),
                h.offset() + (n * steps + steps - 1) * units,
                units);
      }
    }
  }

  private static float sigmoid(float v) {
    return (float) (1 / (1 + Math.exp(-v)));
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor grad, Tensor[] gradIn) {
    RecurrentOps ops = primitives(ws, in[0]);
    if (Recurrent.backward(this, ops, in, out, grad, gradIn[0], returnSequences)) {
      return;
    }
    if (ops != null) {
      // after an inference forward on oneDNN: the code below reads its own forward's scratch
      forwardHere(ws, in, out);
    }
    Tensor x = in[0];
    int steps = x.dim(-2);
    int f = x.dim(-1);
    int batch = x.size() / (steps * f);
    int g4 = 4 * units;
    Tensor z = ws.scratch(0, batch * steps, g4);
    Tensor c = ws.scratch(1, batch * steps, units);
    Tensor tc = ws.scratch(2, batch * steps, units);
    Tensor h = ws.scratch(3, batch * steps, units);
    Tensor dz = ws.scratch(4, batch * steps, g4);
    Tensor dh = ws.scratch(5, batch, units);
    Tensor dc = ws.scratch(6, batch, units);
    dh.fill(0f);
    dc.fill(0f);
    FloatBuffer zs = z.data();
    FloatBuffer d = dz.data();
    for (int t = steps - 1; t >= 0; t--) {
      for (int n = 0; n < batch; n++) {
        int row = n * steps + t;
        int zr = z.offset() + row * g4;
        int dr = dz.offset() + row * g4;
        for (int u = 0; u < units; u++) {
          float gh = dh.data().get(dh.offset() + n * units + u);
          if (returnSequences) {
            gh += grad.data().get(grad.offset() + row * units + u);
          } else if (t == steps - 1) {
            gh += grad.data().get(grad.offset() + n * units + u);
          }
          float i = zs.get(zr + u);
          float fg = zs.get(zr + units + u);
          float gg = zs.get(zr + 2 * units + u);
          float o = zs.get(zr + 3 * units + u);
          float tanhCell = tc.data().get(tc.offset() + row * units + u);
          float prev = t > 0 ? c.data().get(c.offset() + (row - 1) * units + u) : 0f;
          float gc =
              dc.data().get(dc.offset() + n * units + u) + gh * o * (1 - tanhCell * tanhCell);
          d.put(dr + u, gc * gg * i * (1 - i));
          d.put(dr + units + u, gc * prev * fg * (1 - fg));
          d.put(dr + 2 * units + u, gc * i * (1 - gg * gg));
          d.put(dr + 3 * units + u, gh * tanhCell * o * (1 - o));
          dc.data().put(dc.offset() + n * units + u, gc * fg);
        }
      }
      if (t > 0) {
        ws.blas()
            .gemm(
                false,
                true,
                batch,
                units,
                g4,
                1f,
                dz,
                t * g4,
                steps * g4,
                param(1),
                0,
                g4,
                0f,
                dh,
                0,
                units);
      }
    }
    if (!isFrozen()) {
      weightGradients(ws, x, h, dz, batch, steps);
    }
    if (gradIn[0] != null) {
      ws.blas()
          .gemm(
              false,
              true,
              batch * steps,
              f,
              g4,
              1f,
              dz,
              0,
              g4,
              param(0),
              0,
              g4,
              0f,
              gradIn[0],
              0,
              f);
    }
  }

  /** The kernel, recurrent kernel and bias gradients from the gate gradients {@code dz}. */
  private void weightGradients(Workspace ws, Tensor x, Tensor h, Tensor dz, int batch, int steps) {
    int f = x.dim(-1);
    int g4 = 4 * units;
    FloatBuffer d = dz.data();
    ws.blas().gemm(true, false, f, g4, batch * steps, 1f, x, 0, f, dz, 0, g4, 0f, grad(0), 0, g4);
    grad(1).fill(0f);
    for (int t = 1; t < steps; t++) {
      ws.blas()
          .gemm(
              true,
              false,
              units,
              g4,
              batch,
              1f,
              h,
              (t - 1) * units,
              steps * units,
              dz,
              t * g4,
              steps * g4,
              1f,
              grad(1),
              0,
              g4);
    }
    Tensor db = grad(2);
    for (int j = 0; j < g4; j++) {
      float s = 0f;
      for (int r = 0; r < batch * steps; r++) {
        s += d.get(dz.offset() + r * g4 + j);
      }
      db.data().put(db.offset() + j, s);
    }
  }
}

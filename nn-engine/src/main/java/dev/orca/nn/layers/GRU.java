package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.RecurrentOps;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * A gated recurrent unit layer over sequences {@code (steps, features)} per sample (leading axes,
 * if any, hold further independent sequences), zero initial state. Gates in the order update (z),
 * reset (r), candidate (n), as Keras and ONNX order them:
 *
 * <pre>
 * z = sigmoid(x Wz + h Rz + bz)    r = sigmoid(x Wr + h Rr + br)
 * n = tanh(x Wn + r * (h Rn + bRn) + bWn)     (resetAfter: Keras' default, PyTorch's form)
 * n = tanh(x Wn + (r * h) Rn + bRn + bWn)     (otherwise: the original form, ONNX's default)
 * h' = z * h + (1 - z) * n
 * </pre>
 *
 * The bias has two rows: the input bias and the recurrent bias, each of {@code 3 * units}. The
 * input projection of all steps is one GEMM; each step adds its recurrent GEMM.
 */
public final class GRU extends Layer {
  private static final long serialVersionUID = 1L;
  private final int units;
  private final boolean returnSequences;
  private final boolean resetAfter;

  /** {@code units} hidden units, reset after the recurrent product; outputs the last state. */
  public GRU(int units) {
    this(units, false, true);
  }

  public GRU(int units, boolean returnSequences, boolean resetAfter) {
    require(units > 0, "units must be positive, got " + units);
    this.units = units;
    this.returnSequences = returnSequences;
    this.resetAfter = resetAfter;
  }

  public int units() {
    return units;
  }

  public boolean returnSequences() {
    return returnSequences;
  }

  public boolean resetAfter() {
    return resetAfter;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(units > 0, "needs positive units");
    requireShape(
        in[0].rank() >= 2, "takes sequences (..., steps, features) per sample, got " + in[0]);
    return returnSequences ? in[0].with(-1, units) : in[0].dropLast().with(-1, units);
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    int f = in[0].dim(-1);
    int g3 = 3 * units;
    return List.of(
        new ParameterSpec("kernel", Shape.of(f, g3), Initializer.GLOROT_UNIFORM, f, g3),
        new ParameterSpec(
            "recurrent_kernel", Shape.of(units, g3), Initializer.GLOROT_UNIFORM, units, g3),
        ParameterSpec.constant("bias", Shape.of(2, g3), Initializer.ZEROS));
  }

  @Override
  public String describe() {
    return "units="
        + units
        + (returnSequences ? ", all steps" : "")
        + (resetAfter ? "" : ", reset before");
  }

  private static float sigmoid(float v) {
    return (float) (1 / (1 + Math.exp(-v)));
  }

  // Scratch: 0 input projections, then gate activations (z, r, n) per row; 1 recurrent
  // projections (h Rz, h Rr, and h Rn or (r * h) Rn, each with its recurrent bias); 2 hidden
  // states; 3 r * h of the previous step (reset before only); 4, 5 their gradients; 6 dh.
  private RecurrentOps primitives(Workspace ws, Tensor x) {
    int steps = x.dim(-2);
    int f = x.dim(-1);
    return Recurrent.primitives(
        ws,
        (resetAfter ? RecurrentOps.Cell.GRU_RESET_AFTER : RecurrentOps.Cell.GRU),
        x.size() / (steps * f),
        steps,
        f,
        units);
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
    int u = units;
    int g3 = 3 * u;
    int rows = batch * steps;
    Tensor z = ws.scratch(0, rows, g3);
    Tensor rec = ws.scratch(1, rows, g3);
    Tensor h = ws.scratch(2, rows, u);
    Tensor rh = ws.scratch(3, resetAfter ? 1 : rows, u);
    ws.blas().gemm(false, false, rows, g3, f, 1f, x, 0, f, param(0), 0, g3, 0f, z, 0, g3);
    Tensor b = param(2);
    FloatBuffer zs = z.data();
    FloatBuffer bs = b.data();
    FloatBuffer rs = rec.data();
    FloatBuffer hs = h.data();
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < g3; j++) {
        int at = z.offset() + r * g3 + j;
        zs.put(at, zs.get(at) + bs.get(b.offset() + j));
        rs.put(rec.offset() + r * g3 + j, bs.get(b.offset() + g3 + j));
      }
    }
    for (int t = 0; t < steps; t++) {
      if (t > 0) {
        // the recurrent projection of the previous state; all three gates when resetting after
        ws.blas()
            .gemm(
                false,
                false,
                batch,
                resetAfter ? g3 : 2 * u,
                u,
                1f,
                h,
                (t - 1) * u,
                steps * u,
                param(1),
                0,
                g3,
                1f,
                rec,
                t * g3,
                steps * g3);
      }
      for (int n = 0; n < batch; n++) {
        int row = n * steps + t;
        int zr = z.offset() + row * g3;
        int rr = rec.offset() + row * g3;
        for (int k = 0; k < u; k++) {
          float zg = sigmoid(zs.get(zr + k) + rs.get(rr + k));
          float rg = sigmoid(zs.get(zr + u + k) + rs.get(rr + u + k));
          zs.put(zr + k, zg);
          zs.put(zr + u + k, rg);
        }
        if (!resetAfter) {
          for (int k = 0; k < u; k++) {
            float prev = t > 0 ? hs.get(h.offset() + (row - 1) * u + k) : 0f;
            rh.data().put(rh.offset() + row * u + k, zs.get(zr + u + k) * prev);
          }
        }
      }
      if (!resetAfter && t > 0) {
        ws.blas()
            .gemm(
                false,
                false,
                batch,
                u,
                u,
                1f,
                rh,
                t * u,
                steps * u,
                param(1),
                2 * u,
                g3,
                1f,
                rec,
                t * g3 + 2 * u,
                steps * g3);
      }
      for (int n = 0; n < batch; n++) {
        int row = n * steps + t;
        int zr = z.offset() + row * g3;
        int rr = rec.offset() + row * g3;
        for (int k = 0; k < u; k++) {
          float zg = zs.get(zr + k);
          float rg = zs.get(zr + u + k);
          float recN = rs.get(rr + 2 * u + k);
          float ng = (float) Math.tanh(zs.get(zr + 2 * u + k) + (resetAfter ? rg * recN : recN));
          zs.put(zr + 2 * u + k, ng);
          float prev = t > 0 ? hs.get(h.offset() + (row - 1) * u + k) : 0f;
          hs.put(h.offset() + row * u + k, zg * prev + (1 - zg) * ng);
        }
      }
    }
    if (returnSequences) {
      out.copyFrom(h);
    } else {
      for (int n = 0; n < batch; n++) {
        out.data().put(out.offset() + n * u, hs, h.offset() + (n * steps + steps - 1) * u, u);
      }
    }
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
    int u = units;
    int g3 = 3 * u;
    int rows = batch * steps;
    Tensor z = ws.scratch(0, rows, g3);
    Tensor rec = ws.scratch(1, rows, g3);
    Tensor h = ws.scratch(2, rows, u);
    Tensor rh = ws.scratch(3, resetAfter ? 1 : rows, u);
    Tensor dzx = ws.scratch(4, rows, g3);
    Tensor drec = ws.scratch(5, rows, g3);
    Tensor dh = ws.scratch(6, batch, u);
    Tensor drh = ws.scratch(7, batch, u);
    dh.fill(0f);
    FloatBuffer zs = z.data();
    FloatBuffer rs = rec.data();
    FloatBuffer hs = h.data();
    FloatBuffer dx = dzx.data();
    FloatBuffer dr = drec.data();
    FloatBuffer dhs = dh.data();
    for (int t = steps - 1; t >= 0; t--) {
      for (int n = 0; n < batch; n++) {
        int row = n * steps + t;
        int zr = z.offset() + row * g3;
        int rr = rec.offset() + row * g3;
        int xr = dzx.offset() + row * g3;
        int cr = drec.offset() + row * g3;
        for (int k = 0; k < u; k++) {
          float gh = dhs.get(dh.offset() + n * u + k);
          if (returnSequences) {
            gh += grad.data().get(grad.offset() + row * u + k);
          } else if (t == steps - 1) {
            gh += grad.data().get(grad.offset() + n * u + k);
          }
          float zg = zs.get(zr + k);
          float rg = zs.get(zr + u + k);
          float ng = zs.get(zr + 2 * u + k);
          float prev = t > 0 ? hs.get(h.offset() + (row - 1) * u + k) : 0f;
          float dn = gh * (1 - zg) * (1 - ng * ng);
          float dz = gh * (prev - ng) * zg * (1 - zg);
          float recN = rs.get(rr + 2 * u + k);
          dx.put(xr + k, dz);
          dx.put(xr + 2 * u + k, dn);
          dr.put(cr + k, dz);
          dr.put(cr + 2 * u + k, resetAfter ? dn * rg : dn);
          if (resetAfter) {
            dr.put(cr + u + k, dn * recN * rg * (1 - rg));
            dx.put(xr + u + k, dn * recN * rg * (1 - rg));
          }
          // the direct path h -> h'
          dhs.put(dh.offset() + n * u + k, gh * zg);
        }
      }
      if (!resetAfter) {
        // d(r * h) = dn Rn^T, then dr = d(r * h) * h, dh += d(r * h) * r
        ws.blas()
            .gemm(
                false,
                true,
                batch,
                u,
                u,
                1f,
                drec,
                t * g3 + 2 * u,
                steps * g3,
                param(1),
                2 * u,
                g3,
                0f,
                drh,
                0,
                u);
        for (int n = 0; n < batch; n++) {
          int row = n * steps + t;
          int zr = z.offset() + row * g3;
          for (int k = 0; k < u; k++) {
            float d = drh.data().get(drh.offset() + n * u + k);
            float rg = zs.get(zr + u + k);
            float prev = t > 0 ? hs.get(h.offset() + (row - 1) * u + k) : 0f;
            float da = d * prev * rg * (1 - rg);
            dx.put(dzx.offset() + row * g3 + u + k, da);
            dr.put(drec.offset() + row * g3 + u + k, da);
            int at = dh.offset() + n * u + k;
            dhs.put(at, dhs.get(at) + d * rg);
          }
        }
      }
      if (t > 0) {
        // dh += drec Rzr^T (and Rn^T when resetting after)
        ws.blas()
            .gemm(
                false,
                true,
                batch,
                u,
                resetAfter ? g3 : 2 * u,
                1f,
                drec,
                t * g3,
                steps * g3,
                param(1),
                0,
                g3,
                1f,
                dh,
                0,
                u);
      }
    }
    if (!isFrozen()) {
      weightGradients(ws, x, h, rh, dzx, drec, batch, steps);
    }
    if (gradIn[0] != null) {
      ws.blas()
          .gemm(false, true, rows, f, g3, 1f, dzx, 0, g3, param(0), 0, g3, 0f, gradIn[0], 0, f);
    }
  }

  /**
   * The kernel, recurrent kernel and bias gradients from the gradients of the input part ({@code
   * dzx}) and of the recurrent part ({@code drec}) of the gates.
   */
  private void weightGradients(
      Workspace ws, Tensor x, Tensor h, Tensor rh, Tensor dzx, Tensor drec, int batch, int steps) {
    int f = x.dim(-1);
    int u = units;
    int g3 = 3 * u;
    int rows = batch * steps;
    FloatBuffer dx = dzx.data();
    FloatBuffer dr = drec.data();
    ws.blas().gemm(true, false, f, g3, rows, 1f, x, 0, f, dzx, 0, g3, 0f, grad(0), 0, g3);
    grad(1).fill(0f);
    for (int t = 1; t < steps; t++) {
      ws.blas()
          .gemm(
              true,
              false,
              u,
              resetAfter ? g3 : 2 * u,
              batch,
              1f,
              h,
              (t - 1) * u,
              steps * u,
              drec,
              t * g3,
              steps * g3,
              1f,
              grad(1),
              0,
              g3);
      if (!resetAfter) {
        ws.blas()
            .gemm(
                true,
                false,
                u,
                u,
                batch,
                1f,
                rh,
                t * u,
                steps * u,
                drec,
                t * g3 + 2 * u,
                steps * g3,
                1f,
                grad(1),
                2 * u,
                g3);
      }
    }
    Tensor db = grad(2);
    for (int j = 0; j < g3; j++) {
      float si = 0f;
      float sr = 0f;
      for (int r = 0; r < rows; r++) {
        si += dx.get(dzx.offset() + r * g3 + j);
        sr += dr.get(drec.offset() + r * g3 + j);
      }
      db.data().put(db.offset() + j, si);
      db.data().put(db.offset() + g3 + j, sr);
    }
  }
}

package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Multi-head scaled dot-product attention (Vaswani et al., 2017), the core of a transformer encoder
 * block. Self-attention with one input {@code (steps, dim)}; with two, the first gives the queries
 * and the second {@code (steps', dim')} the keys and values. Per head {@code j}:
 *
 * <pre>
 * Q = x Wq + bq,  K = c Wk + bk,  V = c Wv + bv         (all heads side by side: heads * keyDim)
 * A_j = softmax(Q_j K_j^T / sqrt(keyDim)) V_j           (causal: step i sees steps 0..i only)
 * out = [A_1 ... A_h] Wo + bo                           (back to the query's dim)
 * </pre>
 *
 * The projections are one GEMM each over the whole batch; scores and weighted sums are one small
 * GEMM per sample and head.
 */
public final class MultiHeadAttention extends Layer {
  private static final long serialVersionUID = 1L;
  private final int heads;
  private final int keyDim;
  private final boolean causal;

  public MultiHeadAttention(int heads, int keyDim) {
    this(heads, keyDim, false);
  }

  public MultiHeadAttention(int heads, int keyDim, boolean causal) {
    require(
        heads > 0 && keyDim > 0, "heads and keyDim must be positive, got " + heads + ", " + keyDim);
    this.heads = heads;
    this.keyDim = keyDim;
    this.causal = causal;
  }

  public int heads() {
    return heads;
  }

  public int keyDim() {
    return keyDim;
  }

  public boolean causal() {
    return causal;
  }

  @Override
  public int maxInputs() {
    return 2;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(heads > 0 && keyDim > 0, "needs positive heads and keyDim");
    for (Shape s : in) {
      requireShape(s.rank() == 2, "takes sequences (steps, dim) per sample, got " + s);
    }
    Shape c = in[in.length - 1];
    requireShape(
        !causal || c.dim(0) == in[0].dim(0),
        "causal attention needs as many key steps as query steps, got " + in[0] + ", " + c);
    return in[0];
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    int d = in[0].dim(1);
    int dc = in[in.length - 1].dim(1);
    int hk = heads * keyDim;
    return List.of(
        new ParameterSpec("query_kernel", Shape.of(d, hk), Initializer.GLOROT_UNIFORM, d, hk),
        ParameterSpec.constant("query_bias", Shape.of(hk), Initializer.ZEROS),
        new ParameterSpec("key_kernel", Shape.of(dc, hk), Initializer.GLOROT_UNIFORM, dc, hk),
        ParameterSpec.constant("key_bias", Shape.of(hk), Initializer.ZEROS),
        new ParameterSpec("value_kernel", Shape.of(dc, hk), Initializer.GLOROT_UNIFORM, dc, hk),
        ParameterSpec.constant("value_bias", Shape.of(hk), Initializer.ZEROS),
        new ParameterSpec("output_kernel", Shape.of(hk, d), Initializer.GLOROT_UNIFORM, hk, d),
        ParameterSpec.constant("output_bias", Shape.of(d), Initializer.ZEROS));
  }

  @Override
  public String describe() {
    return heads + " heads of " + keyDim + (causal ? ", causal" : "");
  }

  /** {@code y = x W + b} over all rows of x. */
  private static void project(Workspace ws, Tensor x, int rows, Tensor w, Tensor b, Tensor y) {
    int in = w.dim(0);
    int out = w.dim(1);
    for (int r = 0; r < rows; r++) {
      y.data().put(y.offset() + r * out, b.data(), b.offset(), out);
    }
    ws.blas().gemm(false, false, rows, out, in, 1f, x, 0, in, w, 0, out, 1f, y, 0, out);
  }

  // Scratch: 0 Q, 1 K, 2 V, 3 attention weights (batch * heads * tq, tk), 4 A; backward: 5 dA,
  // 6 dQ, 7 dK, 8 dV, 9 dP of one head.
  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    Tensor c = in[in.length - 1];
    int batch = x.dim(0);
    int tq = x.dim(1);
    int tk = c.dim(1);
    int hk = heads * keyDim;
    Tensor q = ws.scratch(0, batch * tq, hk);
    Tensor k = ws.scratch(1, batch * tk, hk);
    Tensor v = ws.scratch(2, batch * tk, hk);
    Tensor p = ws.scratch(3, batch * heads * tq, tk);
    Tensor a = ws.scratch(4, batch * tq, hk);
    project(ws, x, batch * tq, param(0), param(1), q);
    project(ws, c, batch * tk, param(2), param(3), k);
    project(ws, c, batch * tk, param(4), param(5), v);
    float scale = (float) (1 / Math.sqrt(keyDim));
    FloatBuffer ps = p.data();
    for (int n = 0; n < batch; n++) {
      for (int j = 0; j < heads; j++) {
        int pAt = (n * heads + j) * tq * tk;
        ws.blas()
            .gemm(
                false,
                true,
                tq,
                tk,
                keyDim,
                scale,
                q,
                n * tq * hk + j * keyDim,
                hk,
                k,
                n * tk * hk + j * keyDim,
                hk,
                0f,
                p,
                pAt,
                tk);
        for (int i = 0; i < tq; i++) {
          int row = p.offset() + pAt + i * tk;
          int visible = causal ? i + 1 : tk;
          float max = Float.NEGATIVE_INFINITY;
          for (int l = 0; l < visible; l++) {
            max = Math.max(max, ps.get(row + l));
          }
          float sum = 0f;
          for (int l = 0; l < tk; l++) {
            float e = l < visible ? (float) Math.exp(ps.get(row + l) - max) : 0f;
            ps.put(row + l, e);
            sum += e;
          }
          for (int l = 0; l < visible; l++) {
            ps.put(row + l, ps.get(row + l) / sum);
          }
        }
        ws.blas()
            .gemm(
                false,
                false,
                tq,
                keyDim,
                tk,
                1f,
                p,
                pAt,
                tk,
                v,
                n * tk * hk + j * keyDim,
                hk,
                0f,
                a,
                n * tq * hk + j * keyDim,
                hk);
      }
    }
    project(ws, a, batch * tq, param(6), param(7), out);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    Tensor x = in[0];
    Tensor c = in[in.length - 1];
    int batch = x.dim(0);
    int tq = x.dim(1);
    int tk = c.dim(1);
    int d = x.dim(2);
    int dc = c.dim(2);
    int hk = heads * keyDim;
    Tensor q = ws.scratch(0, batch * tq, hk);
    Tensor k = ws.scratch(1, batch * tk, hk);
    Tensor v = ws.scratch(2, batch * tk, hk);
    Tensor p = ws.scratch(3, batch * heads * tq, tk);
    Tensor a = ws.scratch(4, batch * tq, hk);
    Tensor da = ws.scratch(5, batch * tq, hk);
    Tensor dq = ws.scratch(6, batch * tq, hk);
    Tensor dk = ws.scratch(7, batch * tk, hk);
    Tensor dv = ws.scratch(8, batch * tk, hk);
    Tensor dp = ws.scratch(9, tq, tk);
    Tensor ones = ws.scratch(10, 1, batch * Math.max(tq, tk));
    ones.fill(1f);
    int rq = batch * tq;
    int rk = batch * tk;
    // output projection
    boolean weights = !isFrozen();
    if (weights) {
      ws.blas().gemm(true, false, hk, d, rq, 1f, a, 0, hk, g, 0, d, 0f, grad(6), 0, d);
      ws.blas().columnSums(rq, d, g, 0, ones, grad(7), 0);
    }
    ws.blas().gemm(false, true, rq, hk, d, 1f, g, 0, d, param(6), 0, d, 0f, da, 0, hk);
    float scale = (float) (1 / Math.sqrt(keyDim));
    FloatBuffer ps = p.data();
    FloatBuffer dps = dp.data();
    for (int n = 0; n < batch; n++) {
      for (int j = 0; j < heads; j++) {
        int pAt = (n * heads + j) * tq * tk;
        int qAt = n * tq * hk + j * keyDim;
        int kAt = n * tk * hk + j * keyDim;
        // dP = dA V^T; dV = P^T dA
        ws.blas().gemm(false, true, tq, tk, keyDim, 1f, da, qAt, hk, v, kAt, hk, 0f, dp, 0, tk);
        ws.blas().gemm(true, false, tk, keyDim, tq, 1f, p, pAt, tk, da, qAt, hk, 0f, dv, kAt, hk);
        // through the softmax: dS = P * (dP - rowsum(dP * P)), times the scale
        for (int i = 0; i < tq; i++) {
          int row = p.offset() + pAt + i * tk;
          int drow = dp.offset() + i * tk;
          float dot = 0f;
          for (int l = 0; l < tk; l++) {
            dot += ps.get(row + l) * dps.get(drow + l);
          }
          for (int l = 0; l < tk; l++) {
            dps.put(drow + l, ps.get(row + l) * (dps.get(drow + l) - dot) * scale);
          }
        }
        // dQ = dS K; dK = dS^T Q
        ws.blas().gemm(false, false, tq, keyDim, tk, 1f, dp, 0, tk, k, kAt, hk, 0f, dq, qAt, hk);
        ws.blas().gemm(true, false, tk, keyDim, tq, 1f, dp, 0, tk, q, qAt, hk, 0f, dk, kAt, hk);
      }
    }
    // input projections
    if (weights) {
      ws.blas().gemm(true, false, d, hk, rq, 1f, x, 0, d, dq, 0, hk, 0f, grad(0), 0, hk);
      ws.blas().columnSums(rq, hk, dq, 0, ones, grad(1), 0);
      ws.blas().gemm(true, false, dc, hk, rk, 1f, c, 0, dc, dk, 0, hk, 0f, grad(2), 0, hk);
      ws.blas().columnSums(rk, hk, dk, 0, ones, grad(3), 0);
      ws.blas().gemm(true, false, dc, hk, rk, 1f, c, 0, dc, dv, 0, hk, 0f, grad(4), 0, hk);
      ws.blas().columnSums(rk, hk, dv, 0, ones, grad(5), 0);
    }
    boolean self = in.length == 1;
    if (gradIn[0] != null) {
      ws.blas().gemm(false, true, rq, d, hk, 1f, dq, 0, hk, param(0), 0, hk, 0f, gradIn[0], 0, d);
      if (self) {
        ws.blas().gemm(false, true, rq, d, hk, 1f, dk, 0, hk, param(2), 0, hk, 1f, gradIn[0], 0, d);
        ws.blas().gemm(false, true, rq, d, hk, 1f, dv, 0, hk, param(4), 0, hk, 1f, gradIn[0], 0, d);
      }
    }
    if (!self && gradIn[1] != null) {
      ws.blas().gemm(false, true, rk, dc, hk, 1f, dk, 0, hk, param(2), 0, hk, 0f, gradIn[1], 0, dc);
      ws.blas().gemm(false, true, rk, dc, hk, 1f, dv, 0, hk, param(4), 0, hk, 1f, gradIn[1], 0, dc);
    }
  }
}

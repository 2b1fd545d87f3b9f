package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;

/**
 * The matrix product of two inputs, per sample and over any leading axes: {@code (..., m, k)} times
 * {@code (..., k, n)} gives {@code (..., m, n)}; a second input of rank 2 per sample is shared by
 * every matrix of that sample's first input. One GEMM per matrix (attention scores, for instance).
 */
public final class MatMul extends Layer {
  private static final long serialVersionUID = 1L;

  @Override
  public int minInputs() {
    return 2;
  }

  @Override
  public int maxInputs() {
    return 2;
  }

  @Override
  public Shape outputShape(Shape... in) {
    Shape a = in[0];
    Shape b = in[1];
    requireShape(
        a.rank() >= 2 && b.rank() >= 2 && a.dim(-1) == b.dim(-2),
        "multiplies (..., m, k) by (..., k, n), got " + a + " and " + b);
    requireShape(
        b.rank() == 2 || (b.rank() == a.rank() && leading(a) == leading(b) && sameLead(a, b)),
        "the leading axes of " + a + " and " + b + " must agree (or the second be a matrix)");
    return a.with(-1, b.dim(-1));
  }

  private static int leading(Shape s) {
    return s.size() == 0 ? 0 : s.size() / (s.dim(-1) * s.dim(-2));
  }

  private static boolean sameLead(Shape a, Shape b) {
    for (int i = 0; i < a.rank() - 2; i++) {
      if (a.dim(i) != b.dim(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor a = in[0];
    Tensor b = in[1];
    int m = a.dim(-2);
    int k = a.dim(-1);
    int n = b.dim(-1);
    int count = a.size() / (m * k);
    int lead = count / a.dim(0);
    for (int i = 0; i < count; i++) {
      ws.blas()
          .gemm(
              false,
              false,
              m,
              n,
              k,
              1f,
              a,
              i * m * k,
              k,
              b,
              (b.rank() == 3 ? i / lead : i) * k * n,
              n,
              0f,
              out,
              i * m * n,
              n);
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    Tensor a = in[0];
    Tensor b = in[1];
    int m = a.dim(-2);
    int k = a.dim(-1);
    int n = b.dim(-1);
    int count = a.size() / (m * k);
    boolean shared = b.rank() == 3;
    int lead = count / a.dim(0);
    if (shared && gradIn[1] != null) {
      gradIn[1].fill(0f);
    }
    for (int i = 0; i < count; i++) {
      if (gradIn[0] != null) {
        // dA = G * B^T
        ws.blas()
            .gemm(
                false,
                true,
                m,
                k,
                n,
                1f,
                g,
                i * m * n,
                n,
                b,
                (shared ? i / lead : i) * k * n,
                n,
                0f,
                gradIn[0],
                i * m * k,
                k);
      }
      if (gradIn[1] != null) {
        // dB = A^T * G, summed over the matrices that share B
        ws.blas()
            .gemm(
                true,
                false,
                k,
                n,
                m,
                1f,
                a,
                i * m * k,
                k,
                g,
                i * m * n,
                n,
                shared ? 1f : 0f,
                gradIn[1],
                (shared ? i / lead : i) * k * n,
                n);
      }
    }
  }
}

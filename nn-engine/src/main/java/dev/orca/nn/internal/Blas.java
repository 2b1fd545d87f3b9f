package dev.orca.nn.internal;

import dev.orca.nn.Tensor;

/**
 * The numeric kernels that dominate training time, on row-major float matrices in native memory.
 * Two implementations: {@link MklBlas} (MKL through JavaCPP) and {@link JavaBlas} (pure Java, for
 * machines where MKL cannot load). Offsets and leading dimensions are in floats from element 0 of
 * the given tensor. Beside the GEMMs, the few vector operations the optimizers' updates are made
 * of, which MKL runs on all of its threads.
 */
public interface Blas {
  /** Row-major layout, as cblas numbers it. */
  int ROW_MAJOR = 101;

  /** One line for logs: which library, version, threads. */
  String describe();

  /** Threads one call may use. */
  int threads();

  /** {@code C = alpha * op(A) * op(B) + beta * C}, op(A) being m x k, op(B) k x n, C m x n. */
  void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      float alpha,
      Tensor a,
      int aOff,
      int lda,
      Tensor b,
      int bOff,
      int ldb,
      float beta,
      Tensor c,
      int cOff,
      int ldc);

  /** The column sums of an m x n row-major matrix {@code a} into {@code y} (n elements). */
  void columnSums(int m, int n, Tensor a, int aOff, Tensor ones, Tensor y, int yOff);

  /** {@code y += alpha * x} over n elements. */
  void axpy(int n, float alpha, Tensor x, int xOff, Tensor y, int yOff);

  /** {@code y = a * x + b * y} over n elements. */
  void axpby(int n, float a, Tensor x, int xOff, float b, Tensor y, int yOff);

  /** {@code z = x * y} element-wise; z may be x or y. */
  void mul(int n, Tensor x, int xOff, Tensor y, int yOff, Tensor z, int zOff);

  /** {@code y = sqrt(x)} element-wise; x and y may be the same memory. */
  void sqrt(int n, Tensor x, int xOff, Tensor y, int yOff);

  /** {@code z = x / (y + shift)} element-wise; z may be x or y. */
  void divide(int n, Tensor x, int xOff, Tensor y, int yOff, float shift, Tensor z, int zOff);

  /** The dot product of n elements. */
  double dot(int n, Tensor x, int xOff, Tensor y, int yOff);

  /** {@code y = exp(x)} element-wise; x and y may be the same memory. */
  void exp(int n, Tensor x, int xOff, Tensor y, int yOff);

  /** {@code y = tanh(x)} element-wise; x and y may be the same memory. */
  void tanh(int n, Tensor x, int xOff, Tensor y, int yOff);
}

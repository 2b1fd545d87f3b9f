package dev.orca.nn.internal;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The pure-Java kernels, for machines where MKL does not load. GEMM packs op(B) once into a
 * Java array (so the inner loop is a plain array loop the JIT vectorises), then splits the rows of
 * C over up to {@link #threads()} fork/join tasks, each working through cache-sized tiles.
 */
public final class JavaBlas implements Blas {
  /** Rows of C per tile, columns of C per tile, and depth per pass: sized for a 256 KiB L2. */
  static final int MB = 32;
  static final int NB = 256;
  static final int KB = 128;

  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][]);
  private final int threads;

  public JavaBlas(int threads) {
    this.threads = threads;
  }

  @Override
  public String describe() {
    return "pure Java, " + threads + " thread(s)";
  }

  @Override
  public int threads() {
    return threads;
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a,
      int aOff, int lda, Tensor b, int bOff, int ldb, float beta, Tensor c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    float[] packedB = scratch(0, (long) k * n);
    packB(transB, n, k, b.data(), b.offset() + bOff, ldb, packedB);
    Gemm job = new Gemm(transA, m, n, k, alpha, a.data(), a.offset() + aOff, lda, packedB, beta,
        c.data(), c.offset() + cOff, ldc);
    int tasks = (int) Math.min(threads, Math.min((m + MB - 1) / MB,
        Math.max(1L, 2L * m * n * k / 2_000_000)));
    if (tasks <= 1) {
      job.rows(0, m);
    } else {
      // The caller computes the first band itself: the common pool has only cores - 1 threads.
      Band[] others = new Band[tasks - 1];
      for (int t = 1; t < tasks; t++) {
        others[t - 1] = new Band(job, bandStart(m, t, tasks), bandStart(m, t + 1, tasks));
        ForkJoinPool.commonPool().execute(others[t - 1]);
      }
      job.rows(0, bandStart(m, 1, tasks));
      for (Band band : others) {
        band.join();
      }
    }
  }

  private static int bandStart(int m, int t, int tasks) {
    return (int) ((long) m * t / tasks);
  }

  private static float[] scratch(int slot, long size) {
    float[][] s = SCRATCH.get();
    if (s[slot] == null || s[slot].length < size) {
      s[slot] = new float[(int) Math.max(size, s[slot] == null ? 0 : s[slot].length * 2L)];
    }
    return s[slot];
  }

  /** op(B), k x n, row-major into {@code out}. */
  private static void packB(boolean transB, int n, int k, FloatBuffer b, int off, int ldb, float[] out) {
    if (!transB) {
      for (int p = 0; p < k; p++) {
        b.get(off + p * ldb, out, p * n, n);
      }
    } else {
      for (int j = 0; j < n; j++) {
        int src = off + j * ldb;
        for (int p = 0; p < k; p++) {
          out[p * n + j] = b.get(src + p);
        }
      }
    }
  }

  /** One GEMM call's arguments, shared by the tasks that each compute a band of rows. */
  private static final class Gemm {
    final boolean transA;
    final int m;
    final int n;
    final int k;
    final float alpha;
    final FloatBuffer a;
    final int aOff;
    final int lda;
    final float[] packedB;
    final float beta;
    final FloatBuffer c;
    final int cOff;
    final int ldc;

    Gemm(boolean transA, int m, int n, int k, float alpha, FloatBuffer a, int aOff, int lda,
        float[] packedB, float beta, FloatBuffer c, int cOff, int ldc) {
      this.transA = transA;
      this.m = m;
      this.n = n;
      this.k = k;
      this.alpha = alpha;
      this.a = a;
      this.aOff = aOff;
      this.lda = lda;
      this.packedB = packedB;
      this.beta = beta;
      this.c = c;
      this.cOff = cOff;
      this.ldc = ldc;
    }

    /** Computes rows [r0, r1) of C tile by tile. */
    void rows(int r0, int r1) {
      float[] tile = scratch(1, (long) MB * NB + (long) MB * KB);
      int packedA = MB * NB;
      for (int i0 = r0; i0 < r1; i0 += MB) {
        int mb = Math.min(MB, r1 - i0);
        for (int j0 = 0; j0 < n; j0 += NB) {
          int nb = Math.min(NB, n - j0);
          loadC(tile, i0, mb, j0, nb);
          for (int p0 = 0; p0 < k; p0 += KB) {
            int kb = Math.min(KB, k - p0);
            packA(tile, packedA, i0, mb, p0, kb);
            multiply(tile, packedA, mb, nb, kb, p0, j0);
          }
          storeC(tile, i0, mb, j0, nb);
        }
      }
    }

    private void loadC(float[] tile, int i0, int mb, int j0, int nb) {
      for (int i = 0; i < mb; i++) {
        int src = cOff + (i0 + i) * ldc + j0;
        int dst = i * nb;
        if (beta == 0f) {
          java.util.Arrays.fill(tile, dst, dst + nb, 0f);
        } else {
          for (int j = 0; j < nb; j++) {
            tile[dst + j] = beta * c.get(src + j);
          }
        }
      }
    }

    private void storeC(float[] tile, int i0, int mb, int j0, int nb) {
      for (int i = 0; i < mb; i++) {
        c.put(cOff + (i0 + i) * ldc + j0, tile, i * nb, nb);
      }
    }

    /** alpha * op(A)[i0.., p0..] into tile[at..] as mb x kb. */
    private void packA(float[] tile, int at, int i0, int mb, int p0, int kb) {
      for (int i = 0; i < mb; i++) {
        int dst = at + i * kb;
        for (int p = 0; p < kb; p++) {
          int src = transA ? aOff + (p0 + p) * lda + i0 + i : aOff + (i0 + i) * lda + p0 + p;
          tile[dst + p] = alpha * a.get(src);
        }
      }
    }

    /** C tile += packed A (mb x kb) * packed B rows p0.. (kb x nb at column j0), 4 depths at a time. */
    private void multiply(float[] tile, int at, int mb, int nb, int kb, int p0, int j0) {
      float[] bp = packedB;
      for (int i = 0; i < mb; i++) {
        int ci = i * nb;
        int ai = at + i * kb;
        int p = 0;
        for (; p + 3 < kb; p += 4) {
          float a0 = tile[ai + p];
          float a1 = tile[ai + p + 1];
          float a2 = tile[ai + p + 2];
          float a3 = tile[ai + p + 3];
          int b0 = (p0 + p) * n + j0;
          int b1 = b0 + n;
          int b2 = b1 + n;
          int b3 = b2 + n;
          for (int j = 0; j < nb; j++) {
            tile[ci + j] += a0 * bp[b0 + j] + a1 * bp[b1 + j] + a2 * bp[b2 + j] + a3 * bp[b3 + j];
          }
        }
        for (; p < kb; p++) {
          float a0 = tile[ai + p];
          int b0 = (p0 + p) * n + j0;
          for (int j = 0; j < nb; j++) {
            tile[ci + j] += a0 * bp[b0 + j];
          }
        }
      }
    }
  }

  /** Rows [r0, r1) of one GEMM, run by a pool thread while the caller computes the first band. */
  private static final class Band extends RecursiveAction {
    private static final long serialVersionUID = 1L;
    private final transient Gemm job;
    private final int r0;
    private final int r1;

    Band(Gemm job, int r0, int r1) {
      this.job = job;
      this.r0 = r0;
      this.r1 = r1;
    }

    @Override
    protected void compute() {
      job.rows(r0, r1);
    }
  }

  @Override
  public void axpy(int n, float alpha, Tensor x, int xOff, Tensor y, int yOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    for (int i = 0; i < n; i++) {
      ys.put(yo + i, ys.get(yo + i) + alpha * xs.get(xo + i));
    }
  }

  @Override
  public double dot(int n, Tensor x, int xOff, Tensor y, int yOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += xs.get(xo + i) * ys.get(yo + i);
    }
    return s;
  }

  @Override
  public void exp(int n, Tensor x, int xOff, Tensor y, int yOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    for (int i = 0; i < n; i++) {
      ys.put(yo + i, (float) Math.exp(xs.get(xo + i)));
    }
  }

  @Override
  public void tanh(int n, Tensor x, int xOff, Tensor y, int yOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    for (int i = 0; i < n; i++) {
      ys.put(yo + i, (float) Math.tanh(xs.get(xo + i)));
    }
  }
}

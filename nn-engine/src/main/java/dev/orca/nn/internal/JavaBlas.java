package dev.orca.nn.internal;

import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The pure-Java kernels, for machines where MKL does not load. GEMM packs op(B) once into one Java
 * array per row, then splits the rows of C over up to {@link #threads()} tasks (the caller computes
 * one band itself). Each task keeps a band of C rows as Java arrays and adds {@code a(i, p) * B[p]}
 * row by row, a block of B rows at a time so that the block stays in L2. The inner loop is {@code
 * c[j] += a * b[j]} over two whole arrays at index 0: the form the JIT vectorises (with offsets
 * into the arrays it cannot rule out overlap, and does not).
 */
public final class JavaBlas implements Blas {
  /** Rows of C per band and rows of B per block (128 rows of 512 floats: 256 KiB). */
  static final int MB = 16;

  static final int KB = 128;

  /** Per thread: packed B rows (slot 0) and C rows (slot 1), grown as needed. */
  private static final ThreadLocal<float[][][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[2][][]);

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
  public void gemm(
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
      int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    float[][] packedB = rows(0, k, n);
    packB(transB, n, k, b.data(), b.offset() + bOff, ldb, packedB);
    Gemm job =
        new Gemm(
            transA,
            n,
            k,
            alpha,
            a.data(),
            a.offset() + aOff,
            lda,
            packedB,
            beta,
            c.data(),
            c.offset() + cOff,
            ldc);
    int tasks =
        (int)
            Math.min(
                threads, Math.min((m + MB - 1) / MB, Math.max(1L, 2L * m * n * k / 2_000_000)));
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

  /** At least {@code count} arrays of at least {@code length} floats from this thread's slot. */
  private static float[][] rows(int slot, int count, int length) {
    float[][][] s = SCRATCH.get();
    float[][] r = s[slot];
    if (r == null || r.length < count || r[0].length < length) {
      int len = Math.max(length, r == null ? 0 : r[0].length);
      r = new float[Math.max(count, r == null ? 0 : r.length)][len];
      s[slot] = r;
    }
    return r;
  }

  /** op(B) row p into {@code out[p][0..n)}. */
  private static void packB(
      boolean transB, int n, int k, FloatBuffer b, int off, int ldb, float[][] out) {
    for (int p = 0; p < k; p++) {
      float[] row = out[p];
      if (!transB) {
        b.get(off + p * ldb, row, 0, n);
      } else {
        for (int j = 0; j < n; j++) {
          row[j] = b.get(off + j * ldb + p);
        }
      }
    }
  }

  /** One GEMM call's arguments, shared by the tasks that each compute a band of rows. */
  private static final class Gemm {
    final boolean transA;
    final int n;
    final int k;
    final float alpha;
    final FloatBuffer a;
    final int aOff;
    final int lda;
    final float[][] packedB;
    final float beta;
    final FloatBuffer c;
    final int cOff;
    final int ldc;

    Gemm(
        boolean transA,
        int n,
        int k,
        float alpha,
        FloatBuffer a,
        int aOff,
        int lda,
        float[][] packedB,
        float beta,
        FloatBuffer c,
        int cOff,
        int ldc) {
      this.transA = transA;
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

    /** Computes rows [r0, r1) of C, MB rows at a time. */
    void rows(int r0, int r1) {
      float[][] crows = JavaBlas.rows(1, MB, n);
      for (int i0 = r0; i0 < r1; i0 += MB) {
        int mb = Math.min(MB, r1 - i0);
        for (int i = 0; i < mb; i++) {
          float[] row = crows[i];
          if (beta == 0f) {
            java.util.Arrays.fill(row, 0, n, 0f);
          } else {
            c.get(cOff + (i0 + i) * ldc, row, 0, n);
            if (beta != 1f) {
              for (int j = 0; j < n; j++) {
                row[j] *= beta;
              }
            }
          }
        }
        for (int p0 = 0; p0 < k; p0 += KB) {
          int p1 = Math.min(k, p0 + KB);
          for (int i = 0; i < mb; i++) {
            accumulate(crows[i], i0 + i, p0, p1);
          }
        }
        for (int i = 0; i < mb; i++) {
          c.put(cOff + (i0 + i) * ldc, crows[i], 0, n);
        }
      }
    }

    /** C row += sum over p in [p0, p1) of alpha * op(A)(i, p) * B row p. */
    private void accumulate(float[] row, int i, int p0, int p1) {
      int len = n;
      for (int p = p0; p < p1; p++) {
        float av = alpha * a.get(transA ? aOff + p * lda + i : aOff + i * lda + p);
        if (av == 0f) {
          continue;
        }
        float[] bp = packedB[p];
        for (int j = 0; j < len; j++) {
          row[j] += av * bp[j];
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
  public void columnSums(int m, int n, Tensor a, int aOff, Tensor ones, Tensor y, int yOff) {
    gemm(false, false, 1, n, m, 1f, ones, 0, m, a, aOff, n, 0f, y, yOff, n);
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
  public void axpby(int n, float a, Tensor x, int xOff, float b, Tensor y, int yOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    for (int i = 0; i < n; i++) {
      ys.put(yo + i, a * xs.get(xo + i) + b * ys.get(yo + i));
    }
  }

  @Override
  public void mul(int n, Tensor x, int xOff, Tensor y, int yOff, Tensor z, int zOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    FloatBuffer zs = z.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    int zo = z.offset() + zOff;
    for (int i = 0; i < n; i++) {
      zs.put(zo + i, xs.get(xo + i) * ys.get(yo + i));
    }
  }

  @Override
  public void sqrt(int n, Tensor x, int xOff, Tensor y, int yOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    for (int i = 0; i < n; i++) {
      ys.put(yo + i, (float) Math.sqrt(xs.get(xo + i)));
    }
  }

  @Override
  public void divide(
      int n, Tensor x, int xOff, Tensor y, int yOff, float shift, Tensor z, int zOff) {
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    FloatBuffer zs = z.data();
    int xo = x.offset() + xOff;
    int yo = y.offset() + yOff;
    int zo = z.offset() + zOff;
    for (int i = 0; i < n; i++) {
      zs.put(zo + i, xs.get(xo + i) / (ys.get(yo + i) + shift));
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
    map(n, x, xOff, y, yOff, false);
  }

  @Override
  public void tanh(int n, Tensor x, int xOff, Tensor y, int yOff) {
    map(n, x, xOff, y, yOff, true);
  }

  private static void map(int n, Tensor x, int xOff, Tensor y, int yOff, boolean tanh) {
    float[] v = Chunks.buffers()[0];
    for (int at = 0; at < n; at += Chunks.SIZE) {
      int len = Math.min(Chunks.SIZE, n - at);
      x.data().get(x.offset() + xOff + at, v, 0, len);
      for (int i = 0; i < len; i++) {
        v[i] = (float) (tanh ? Math.tanh(v[i]) : Math.exp(v[i]));
      }
      y.data().put(y.offset() + yOff + at, v, 0, len);
    }
  }
}

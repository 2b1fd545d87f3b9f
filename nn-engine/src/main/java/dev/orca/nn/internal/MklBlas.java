package dev.orca.nn.internal;

import dev.orca.nn.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.mkl.global.mkl_rt;

/**
 * The adapter to MKL through JavaCPP: cblas level 1 and 3, VML exp, tanh, mul, sqrt, linear
 * fraction. The only class that calls {@code mkl_rt}. MKL's thread count is set per calling thread
 * ({@code mkl_set_num_threads_local}), so replicas on different threads keep their own.
 */
public final class MklBlas implements Blas {
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;
  private static final String VERSION;
  private static final Throwable LOAD_FAILURE;

  static {
    String version = null;
    Throwable failure = null;
    try {
      Loader.load(mkl_rt.class);
      byte[] text = new byte[198];
      mkl_rt.MKL_Get_Version_String(text, text.length);
      version =
          new String(text, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
    } catch (Throwable t) {
      failure = t;
    }
    VERSION = version;
    LOAD_FAILURE = failure;
  }

  /** Per calling thread: reusable pointers (their address is set per call) and MKL's setting. */
  private static final ThreadLocal<Calls> CALLS = ThreadLocal.withInitial(Calls::new);

  private final int threads;

  public MklBlas(int threads) {
    if (LOAD_FAILURE != null) {
      throw new IllegalStateException("MKL did not load", LOAD_FAILURE);
    }
    this.threads = threads;
  }

  /** Null when MKL loaded; otherwise why not. */
  public static Throwable loadFailure() {
    return LOAD_FAILURE;
  }

  /** MKL's thread count for calls from the calling thread (its thread-local setting, if any). */
  public static int threadsOnThisThread() {
    return mkl_rt.MKL_Get_Max_Threads();
  }

  @Override
  public String describe() {
    return VERSION + " through JavaCPP, " + threads + " thread(s)";
  }

  @Override
  public int threads() {
    return threads;
  }

  private Calls calls() {
    Calls c = CALLS.get();
    if (c.threads != threads) {
      mkl_rt.MKL_Set_Num_Threads_Local(threads);
      c.threads = threads;
    }
    return c;
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
    Calls p = calls();
    mkl_rt.cblas_sgemm(
        ROW_MAJOR,
        transA ? TRANS : NO_TRANS,
        transB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        alpha,
        p.x.at(a, aOff),
        lda,
        p.y.at(b, bOff),
        ldb,
        beta,
        p.z.at(c, cOff),
        ldc);
  }

  @Override
  public void columnSums(int m, int n, Tensor a, int aOff, Tensor ones, Tensor y, int yOff) {
    Calls p = calls();
    mkl_rt.cblas_sgemv(
        ROW_MAJOR, TRANS, m, n, 1f, p.x.at(a, aOff), n, p.y.at(ones, 0), 1, 0f, p.z.at(y, yOff), 1);
  }

  @Override
  public void axpy(int n, float alpha, Tensor x, int xOff, Tensor y, int yOff) {
    Calls p = calls();
    mkl_rt.cblas_saxpy(n, alpha, p.x.at(x, xOff), 1, p.y.at(y, yOff), 1);
  }

  @Override
  public void axpby(int n, float a, Tensor x, int xOff, float b, Tensor y, int yOff) {
    Calls p = calls();
    mkl_rt.cblas_saxpby(n, a, p.x.at(x, xOff), 1, b, p.y.at(y, yOff), 1);
  }

  @Override
  public void mul(int n, Tensor x, int xOff, Tensor y, int yOff, Tensor z, int zOff) {
    Calls p = calls();
    mkl_rt.vsMul(n, p.x.at(x, xOff), p.y.at(y, yOff), p.z.at(z, zOff));
  }

  @Override
  public void sqrt(int n, Tensor x, int xOff, Tensor y, int yOff) {
    Calls p = calls();
    mkl_rt.vsSqrt(n, p.x.at(x, xOff), p.y.at(y, yOff));
  }

  @Override
  public void divide(
      int n, Tensor x, int xOff, Tensor y, int yOff, float shift, Tensor z, int zOff) {
    Calls p = calls();
    mkl_rt.vsLinearFrac(n, p.x.at(x, xOff), p.y.at(y, yOff), 1f, 0f, 1f, shift, p.z.at(z, zOff));
  }

  @Override
  public double dot(int n, Tensor x, int xOff, Tensor y, int yOff) {
    Calls p = calls();
    return mkl_rt.cblas_sdot(n, p.x.at(x, xOff), 1, p.y.at(y, yOff), 1);
  }

  @Override
  public void exp(int n, Tensor x, int xOff, Tensor y, int yOff) {
    Calls p = calls();
    mkl_rt.vsExp(n, p.x.at(x, xOff), p.y.at(y, yOff));
  }

  @Override
  public void tanh(int n, Tensor x, int xOff, Tensor y, int yOff) {
    Calls p = calls();
    mkl_rt.vsTanh(n, p.x.at(x, xOff), p.y.at(y, yOff));
  }

  private static final class Calls {
    final Address x = new Address();
    final Address y = new Address();
    final Address z = new Address();
    int threads = -1;
  }

  /** A pointer that owns nothing and is re-aimed for every call, so calls allocate nothing. */
  private static final class Address extends FloatPointer {
    FloatPointer at(Tensor t, int off) {
      address = t.address() + 4L * off;
      return this;
    }
  }
}

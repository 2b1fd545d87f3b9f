package dev.orca.nn;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.internal.Blas;
import dev.orca.nn.internal.JavaBlas;
import dev.orca.nn.internal.MklBlas;
import dev.orca.nn.internal.dnnl.Dnnl;
import java.io.Serializable;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which BLAS a model computes with, and with how many threads. Each model replica has its own
 * engine, so several replicas in one JVM can each use their own thread count (MKL's count is set
 * per calling thread).
 *
 * <p>{@link #create()} picks MKL when it loads and the pure-Java kernels otherwise, and logs the
 * choice once. The system property {@code orca.nn.backend} ({@code mkl}, {@code java} or {@code
 * auto}) overrides the automatic choice; {@link #of(Backend, int)} forces one.
 *
 * <p>With MKL, convolutions, pooling, batch normalisation and the recurrent layers run on Intel's
 * oneDNN when it loads ({@link #dnnl()}); the system property {@code orca.nn.dnnl=off} (or {@link
 * #withDnnl(boolean)}) keeps them on the engine's own kernels, which remain the reference that
 * oneDNN is tested against and the fallback where oneDNN cannot load.
 *
 * <p>An engine is a small immutable value: it owns no threads (the pure-Java GEMM borrows the
 * common fork/join pool) and needs no closing. It is serializable; on another JVM it is rebuilt for
 * the same backend and thread count.
 */
public final class Engine implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
  private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

  /** The two BLAS implementations. */
  public enum Backend {
    /** Intel MKL through JavaCPP. */
    MKL,
    /** Blocked, multi-threaded pure-Java kernels. */
    JAVA
  }

  private final Backend backend;
  private final int threads;
  private final boolean dnnl;
  private transient Blas blas;

  private Engine(Backend backend, int threads) {
    this(backend, threads, backend == Backend.MKL && dnnlWanted());
  }

  private Engine(Backend backend, int threads, boolean dnnl) {
    if (threads < 1) {
      throw new OrcaConfigurationException("an engine needs at least 1 thread, got " + threads);
    }
    if (backend == Backend.MKL && !mklAvailable()) {
      throw new OrcaConfigurationException(
          "the MKL backend was asked for but MKL did not load ("
              + MklBlas.loadFailure()
              + "): check that the mkl linux-x86_64-redist jar is on the"
              + " classpath, or use Backend.JAVA",
          MklBlas.loadFailure());
    }
    if (dnnl && !dnnlAvailable()) {
      throw new OrcaConfigurationException(
          "oneDNN was asked for but did not load ("
              + Dnnl.loadFailure()
              + "): check that the dnnl and opencl linux-x86_64 jars are on the classpath,"
              + " or set orca.nn.dnnl=off",
          Dnnl.loadFailure());
    }
    this.backend = backend;
    this.threads = threads;
    this.dnnl = dnnl;
    this.blas = backend == Backend.MKL ? new MklBlas(threads) : new JavaBlas(threads);
    if (ANNOUNCED.compareAndSet(false, true)) {
      if (backend == Backend.MKL) {
        LOG.info(
            "nn-engine computes with {}; convolutions, pooling, normalisation and RNNs on {}",
            blas.describe(),
            dnnl
                ? Dnnl.describe()
                : "its own kernels ("
                    + (dnnlAvailable()
                        ? "orca.nn.dnnl=off"
                        : "oneDNN did not load: " + Dnnl.loadFailure())
                    + ")");
      } else {
        LOG.info(
            "nn-engine computes with the pure-Java BLAS ({}); {}",
            blas.describe(),
            mklAvailable()
                ? "MKL is available but was not chosen"
                : "MKL did not load: " + MklBlas.loadFailure());
      }
    }
  }

  /** The automatic choice with one thread per available core. */
  public static Engine create() {
    return create(Runtime.getRuntime().availableProcessors());
  }

  /** The automatic choice (or {@code orca.nn.backend}) with {@code threads} threads. */
  public static Engine create(int threads) {
    String forced = System.getProperty("orca.nn.backend", "auto").trim().toLowerCase(Locale.ROOT);
    Backend backend;
    switch (forced) {
      case "mkl":
        backend = Backend.MKL;
        break;
      case "java":
        backend = Backend.JAVA;
        break;
      case "auto":
        backend = mklAvailable() ? Backend.MKL : Backend.JAVA;
        break;
      default:
        throw new OrcaConfigurationException(
            "orca.nn.backend=" + forced + " is not a backend: use mkl, java or auto");
    }
    return new Engine(backend, threads);
  }

  /**
   * Exactly this backend with {@code threads} threads; fails clearly if MKL is asked but absent.
   */
  public static Engine of(Backend backend, int threads) {
    return new Engine(backend, threads);
  }

  /**
   * Enters the OpenMP runtime that MKL and oneDNN compute on from the calling thread, starting it
   * if nobody did yet: call it on a thread before narrowing the thread's CPUs (pinning it). Intel's
   * OpenMP reads the process's CPUs when it starts and sets every thread that first enters it to
   * them: started from a pinned thread, it would pin every thread that computes afterwards to that
   * thread's CPUs; entered after the pinning, it would undo the pinning. Does nothing where oneDNN
   * or its OpenMP runtime did not load.
   */
  public static void enterOpenMp() {
    if (Dnnl.loadFailure() == null) {
      Dnnl.enterOpenMp();
    }
  }

  /** Whether MKL loaded in this JVM. */
  public static boolean mklAvailable() {
    return MklBlas.loadFailure() == null;
  }

  /** Whether oneDNN loaded in this JVM. */
  public static boolean dnnlAvailable() {
    return Dnnl.loadFailure() == null;
  }

  /** oneDNN unless {@code orca.nn.dnnl} is {@code off}, where it loads. */
  private static boolean dnnlWanted() {
    String v = System.getProperty("orca.nn.dnnl", "auto").trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "off":
        return false;
      case "on":
        return true;
      case "auto":
        return dnnlAvailable();
      default:
        throw new OrcaConfigurationException(
            "orca.nn.dnnl=" + v + " is not a setting: use on, off or auto");
    }
  }

  public Backend backend() {
    return backend;
  }

  public int threads() {
    return threads;
  }

  /**
   * Whether convolutions, pooling, batch normalisation and the recurrent layers run on oneDNN
   * (otherwise on the engine's own kernels).
   */
  public boolean dnnl() {
    return dnnl;
  }

  /** The same backend with another thread count. */
  public Engine withThreads(int threads) {
    return new Engine(backend, threads, dnnl);
  }

  /** The same engine with oneDNN on or off; on fails clearly where oneDNN did not load. */
  public Engine withDnnl(boolean on) {
    return new Engine(backend, threads, on);
  }

  /** The kernels; for the engine's own layers and for benchmarks, not a stable API. */
  public Blas blas() {
    return blas;
  }

  private Object readResolve() {
    return new Engine(backend, threads, dnnl && dnnlAvailable());
  }

  @Override
  public String toString() {
    return blas.describe() + (dnnl ? ", " + Dnnl.describe() : "");
  }
}

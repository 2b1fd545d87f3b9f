package dev.orca.nn;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.internal.Blas;
import dev.orca.nn.internal.JavaBlas;
import dev.orca.nn.internal.MklBlas;
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
  private transient Blas blas;

  private Engine(Backend backend, int threads) {
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
    this.backend = backend;
    this.threads = threads;
    this.blas = backend == Backend.MKL ? new MklBlas(threads) : new JavaBlas(threads);
    if (ANNOUNCED.compareAndSet(false, true)) {
      if (backend == Backend.MKL) {
        LOG.info("nn-engine computes with {}", blas.describe());
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

  /** Whether MKL loaded in this JVM. */
  public static boolean mklAvailable() {
    return MklBlas.loadFailure() == null;
  }

  public Backend backend() {
    return backend;
  }

  public int threads() {
    return threads;
  }

  /** The same backend with another thread count. */
  public Engine withThreads(int threads) {
    return new Engine(backend, threads);
  }

  /** The kernels; for the engine's own layers and for benchmarks, not a stable API. */
  public Blas blas() {
    return blas;
  }

  private Object readResolve() {
    return new Engine(backend, threads);
  }

  @Override
  public String toString() {
    return blas.describe();
  }
}

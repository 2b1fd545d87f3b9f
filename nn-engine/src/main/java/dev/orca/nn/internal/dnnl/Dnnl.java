package dev.orca.nn.internal.dnnl;

import static org.bytedeco.dnnl.global.dnnl.*;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import dev.orca.OrcaException;
import dev.orca.nn.internal.MklBlas;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.javacpp.Loader;

/**
 * Loads oneDNN through JavaCPP, once per process, and holds what every primitive shares: the CPU
 * engine and the OpenMP thread setting.
 *
 * <p>oneDNN is built against GNU OpenMP, MKL against Intel's. Two OpenMP runtimes in one process
 * each keep their own spinning worker threads, and on a small machine they take each other's cores
 * (a conv after a GEMM ran 16 times slower here). So when MKL loaded, its {@code libiomp5} is made
 * global before oneDNN loads, and oneDNN binds to it (libiomp5 implements the GNU entry points):
 * one pool of threads for both. OpenMP has no call in either preset that sets the thread count, so
 * {@code omp_set_num_threads} is called through JNA, per calling thread, like MKL's local setting.
 */
public final class Dnnl {
  private static final Throwable LOAD_FAILURE;
  private static final dnnl_engine ENGINE;
  private static final String DESCRIPTION;
  private static final Function SET_THREADS;
  private static final Function GET_THREADS;
  private static final Function NUM_PROCS;
  private static final LongAdder RUNS = new LongAdder();
  private static final LongAdder REORDERS = new LongAdder();

  /** The OpenMP thread count last set on each thread (-1: not yet). */
  private static final ThreadLocal<int[]> THREADS = ThreadLocal.withInitial(() -> new int[] {-1});

  static {
    Throwable failure = null;
    dnnl_engine engine = null;
    String description = null;
    Function setThreads = null;
    Function getThreads = null;
    Function numProcs = null;
    try {
      String iomp = MklBlas.loadFailure() == null ? loadedLibrary("libiomp5") : null;
      if (iomp != null) {
        Loader.loadGlobal(iomp);
      }
      Loader.load(org.bytedeco.dnnl.global.dnnl.class);
      String openMp = iomp != null ? iomp : loadedLibrary("libgomp");
      if (openMp == null) {
        throw new IllegalStateException("oneDNN loaded without an OpenMP runtime");
      }
      NativeLibrary omp = NativeLibrary.getInstance(openMp);
      setThreads = omp.getFunction("omp_set_num_threads");
      getThreads = omp.getFunction("omp_get_max_threads");
      numProcs = omp.getFunction("omp_get_num_procs");
      engine = new dnnl_engine();
      check(dnnl_engine_create(engine, dnnl_cpu, 0), "create its CPU engine");
      dnnl_version_t v = dnnl_version();
      description =
          "oneDNN "
              + v.major()
              + "."
              + v.minor()
              + "."
              + v.patch()
              + (iomp != null ? " on MKL's OpenMP" : " on GNU OpenMP");
    } catch (Throwable t) {
      failure = t;
      engine = null;
    }
    LOAD_FAILURE = failure;
    ENGINE = engine;
    DESCRIPTION = description;
    SET_THREADS = setThreads;
    GET_THREADS = getThreads;
    NUM_PROCS = numProcs;
  }

  private Dnnl() {}

  /** Null when oneDNN loaded; otherwise why not. */
  public static Throwable loadFailure() {
    return LOAD_FAILURE;
  }

  /** Version and OpenMP runtime, for logs. */
  public static String describe() {
    return DESCRIPTION;
  }

  /** Primitives run in this process so far, reorders not counted. */
  public static long runs() {
    return RUNS.sum();
  }

  /** Reorders run in this process so far (layout changes between the engine's and oneDNN's). */
  public static long reorders() {
    return REORDERS.sum();
  }

  static void count(boolean reorder) {
    (reorder ? REORDERS : RUNS).increment();
  }

  /**
   * Starts the OpenMP runtime if nobody did yet (omp_get_num_procs reads the process's CPUs from
   * the calling thread) and registers the calling thread with it (omp_get_max_threads): see {@link
   * dev.orca.nn.Engine#enterOpenMp}. Nothing where OpenMP did not load.
   */
  public static void enterOpenMp() {
    if (NUM_PROCS != null && GET_THREADS != null) {
      NUM_PROCS.invokeInt(new Object[0]);
      GET_THREADS.invokeInt(new Object[0]);
    }
  }

  /** The OpenMP thread count that oneDNN calls from the calling thread use. */
  public static int threadsOnThisThread() {
    return GET_THREADS.invokeInt(new Object[0]);
  }

  static dnnl_engine engine() {
    if (ENGINE == null) {
      throw new IllegalStateException("oneDNN did not load", LOAD_FAILURE);
    }
    return ENGINE;
  }

  /** Sets the OpenMP threads of oneDNN calls from the calling thread. */
  static void useThreads(int threads) {
    int[] current = THREADS.get();
    if (current[0] != threads) {
      SET_THREADS.invokeVoid(new Object[] {threads});
      current[0] = threads;
    }
  }

  static void check(int status, String what) {
    if (status != dnnl_success) {
      throw new OrcaException("oneDNN failed to " + what + " (status " + status + ")");
    }
  }

  /** A plain f32 memory descriptor; the caller destroys it. */
  static dnnl_memory_desc md(int tag, long... dims) {
    dnnl_memory_desc md = new dnnl_memory_desc();
    check(
        dnnl_memory_desc_create_with_tag(md, dims.length, dims, dnnl_f32, tag), "describe memory");
    return md;
  }

  static void destroy(dnnl_memory_desc... mds) {
    for (dnnl_memory_desc md : mds) {
      if (md != null && !md.isNull()) {
        dnnl_memory_desc_destroy(md);
      }
    }
  }

  private static String loadedLibrary(String prefix) {
    for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
      String path = e.getValue();
      if (path != null && path.substring(path.lastIndexOf('/') + 1).startsWith(prefix)) {
        return path;
      }
    }
    return null;
  }
}

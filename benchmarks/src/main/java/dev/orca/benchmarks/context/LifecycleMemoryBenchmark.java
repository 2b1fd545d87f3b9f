package dev.orca.benchmarks.context;

import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Backend;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * What one JVM's memory does over many {@code OrcaContext} start / fit / evaluate / stop cycles
 * (both backends, alternating): the resident set after each cycle against what the JVM itself
 * accounts for (heap, metaspace, code cache), so that growth outside the JVM shows.
 *
 * <pre>bin/orca-run benchmarks dev.orca.benchmarks.context.LifecycleMemoryBenchmark [cycles=12]
 * </pre>
 */
public final class LifecycleMemoryBenchmark {
  private LifecycleMemoryBenchmark() {}

  public static void main(String[] args) throws Exception {
    int cycles =
        BenchmarkArgs.parse("LifecycleMemoryBenchmark [cycles=12]", args, "cycles")
            .integer("cycles", 12);
    int warmup = 2;
    long[] rss = new long[cycles];
    long[] jvm = new long[cycles];
    for (int i = 0; i < cycles; i++) {
      cycle(i % 2 == 0 ? Backend.SPARK : Backend.RAY);
      System.gc();
      rss[i] = rssMiB();
      jvm[i] = jvmCommittedMiB();
      System.out.printf(
          "  cycle %2d  rss %4d MiB  jvm (heap, metaspace, code) %4d MiB  native threads %d, java threads %d%n",
          i + 1,
          rss[i],
          jvm[i],
          Files.list(Path.of("/proc/self/task")).count(),
          Thread.activeCount());
    }
    int last = cycles - 1;
    int n = last - warmup;
    BenchmarkReport.start(
            "lifecycle-memory", "resident memory over OrcaContext start/fit/stop cycles")
        .figure(
            "RSS growth per cycle after " + (warmup + 1) + " warm-up cycles",
            (double) (rss[last] - rss[warmup]) / n,
            "MiB")
        .baseline(
            "of which the JVM's own (heap, metaspace, code cache)",
            (double) (jvm[last] - jvm[warmup]) / n,
            "MiB")
        .note(
            "RSS after the warm-up "
                + rss[warmup]
                + " MiB, after "
                + cycles
                + " cycles "
                + rss[last]
                + " MiB; MALLOC_ARENA_MAX="
                + System.getenv("MALLOC_ARENA_MAX"))
        .finish();
  }

  private static void cycle(Backend backend) {
    try (OrcaContext orca = OrcaContext.builder().cores(2).start()) {
      Random r = new Random(1);
      float[][] x = new float[4000][32];
      float[] y = new float[4000];
      for (int i = 0; i < x.length; i++) {
        for (int j = 0; j < 32; j++) {
          x[i][j] = (float) r.nextGaussian();
        }
        y[i] = x[i][0] > 0 ? 1 : 0;
      }
      XShards data = XShards.fromArrays(x, y, 2);
      try (Estimator est =
          Estimator.builder()
              .setModel(
                  new Sequential(32)
                      .add(new Dense(64))
                      .add(new ReLU())
                      .add(new Dense(2))
                      .optSeed(1)
                      .build())
              .setLoss(Loss.sparseCategoricalCrossEntropy())
              .setOptimizer(new Sgd(0.1))
              .optBackend(backend)
              .optWorkers(2)
              .optCoresPerWorker(1)
              .build()) {
        est.fit(data, FitConfig.builder().setEpochs(2).setBatchSize(64).optProgress(false).build());
        est.evaluate(data);
      }
    }
  }

  private static long pool(String prefix) {
    long bytes = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getName().startsWith(prefix)) {
        bytes += p.getUsage().getCommitted();
      }
    }
    return bytes >> 20;
  }

  static long rssMiB() throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", "")) >> 10;
      }
    }
    return -1;
  }

  static long jvmCommittedMiB() {
    long bytes = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == java.lang.management.MemoryType.NON_HEAP) {
        bytes += p.getUsage().getCommitted();
      }
    }
    return bytes >> 20;
  }
}

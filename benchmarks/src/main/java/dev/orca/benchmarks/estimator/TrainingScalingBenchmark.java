package dev.orca.benchmarks.estimator;

import static dev.orca.benchmarks.Timing.median;

import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.benchmarks.nn.MlpTraining;
import dev.orca.benchmarks.nn.MlpTrainingBenchmark;
import dev.orca.collective.Transport;
import dev.orca.context.ClusterMode;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Backend;
import dev.orca.estimator.CpuPinning;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.estimator.internal.worker.CpuPlan;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Data-parallel training of the nn-engine benchmark's MLP (784-512-256-10, SGD with momentum, 256
 * rows per worker per step) through the Estimator, embedded (Spark local mode, Ray LOCAL) and on
 * {@code local-cluster} (2 executor JVMs of 1 core; Ray LOCAL in this JVM):
 *
 * <ol>
 *   <li>throughput of 2 workers of 1 core each against 1 worker of 1 core (the baseline), on both
 *       backends: samples per second over whole epochs, after a warm-up fit of 2 workers (so that
 *       the JVMs that run them have compiled the code) and a warm-up epoch; with the transport the
 *       workers' placement chooses (printed) and with the 2 workers forced onto TCP;
 *   <li>what an epoch costs beyond its computation: the marginal time of an epoch as the driver
 *       sees it (the time of a fit of 2E epochs minus a fit of E, over E) against the workers'
 *       computation in it (forward, backward, update), embedded only.
 * </ol>
 *
 * The ceiling the hardware allows is measured too: two copies of the same MLP training side by side
 * on threads of their own with no data, Spark or all-reduce, against one alone. Arguments: {@code
 * [rows=65536] [epochs=3] [modes=embedded,local-cluster]}.
 */
public final class TrainingScalingBenchmark {
  private TrainingScalingBenchmark() {}

  public static void main(String[] args) {
    BenchmarkArgs parsed =
        BenchmarkArgs.parse(
            "TrainingScalingBenchmark [rows=65536] [epochs=3] [modes=embedded,local-cluster]",
            args,
            "rows",
            "epochs",
            "modes");
    int rows = parsed.integer("rows", 65536);
    int epochs = parsed.integer("epochs", 3);
    List<String> modes = Arrays.asList(parsed.string("modes", "embedded,local-cluster").split(","));
    BenchmarkReport report =
        BenchmarkReport.start(
            "training-scaling",
            "MLP 784-512-256-10, 256 rows per worker per step, "
                + rows
                + " rows, "
                + String.join(" and ", modes));
    // the machine's own ceiling, measured now: replicas that train side by side and never talk,
    // with their threads where the kernel puts them and pinned each to a CPU of its own (as the
    // workers are by default when they fill the machine); five rounds of each, alone and side by
    // side in turn, so that one slow second does not decide it. The ceiling is the faster pair over
    // the faster single replica (medians): pinned alone, a replica cannot leave its CPU to this
    // JVM's other threads, which a replica not pinned can.
    double[] free = ceiling(epochs, false);
    double[] pinned = ceiling(epochs, true);
    report.note(
        String.format(
            Locale.ROOT,
            "ceiling, samples/s (medians of 5 rounds): 1 replica %.0f not pinned, %.0f pinned;"
                + " 2 replicas %.0f not pinned, %.0f pinned",
            free[0],
            pinned[0],
            free[1],
            pinned[1]));
    double pair = Math.max(free[1], pinned[1]);
    double alone = Math.max(free[0], pinned[0]);
    report.figure("ceiling: 2 independent replicas x 1 core, no communication", pair, "samples/s");
    report.baseline("ceiling: 1 replica x 1 core", alone, "samples/s");
    double ceiling = pair / alone;
    report.ratio("ceiling: 2 replicas / 1 replica (what the hardware allows)", ceiling, "");
    for (String mode : modes) {
      OrcaContext.Builder context =
          switch (mode) {
            case "embedded" -> OrcaContext.builder().cores(2);
            case "local-cluster" ->
                OrcaContext.builder()
                    .clusterMode(ClusterMode.LOCAL_CLUSTER)
                    .numNodes(2)
                    .cores(1)
                    .memory("2g");
            default ->
                throw new IllegalArgumentException(
                    "unknown mode " + mode + ": use embedded and/or local-cluster");
          };
      try (OrcaContext orca = context.start()) {
        XShards data = synthetic(rows).cache();
        data.count();
        for (Backend backend : Backend.values()) {
          scaling(report, mode, data, backend, rows, epochs, ceiling);
        }
        if (mode.equals("embedded")) {
          for (Backend backend : Backend.values()) {
            String b = backend.name().toLowerCase();
            double[] perEpoch = epochOverhead(data, backend, epochs);
            report.figure(b + ": driver-observed time of one more epoch", perEpoch[0], "s");
            report.baseline(b + ": the workers' computation in it", perEpoch[1], "s");
            report.ratio(b + ": epoch time / computation", perEpoch[0] / perEpoch[1], "close to 1");
            report.note(
                b
                    + ": overhead beyond computation per epoch "
                    + String.format("%.3f s", perEpoch[0] - perEpoch[1]));
          }
        }
        data.uncache();
      }
    }
    report.finish();
  }

  /**
   * 2 workers against 1 on {@code backend}, with the transport chosen from where the workers run,
   * and the same 2 workers forced onto TCP, all in this context.
   */
  private static void scaling(
      BenchmarkReport report,
      String mode,
      XShards data,
      Backend backend,
      int rows,
      int epochs,
      double ceiling) {
    String b = mode + ", " + backend.name().toLowerCase();
    // Warm-up: on local-cluster the workers run in executor JVMs that have not run this code yet,
    // and their JIT (C2) compiles it over the first ~10 s of training, on the cores the workers
    // compute on. A 1-worker fit leaves the other core to the JIT (and warms one executor only);
    // 2 workers have none to spare. Measured in fresh executors, the 2-worker figure was mostly
    // JIT warm-up (benchmarks/README.md), so every backend first runs 2 workers unmeasured.
    Fit cold = epochFigures(data, backend, 2, epochs, Transport.AUTO, CpuPinning.AUTO);
    Fit one = epochFigures(data, backend, 1, epochs, Transport.AUTO, CpuPinning.AUTO);
    Fit two = epochFigures(data, backend, 2, epochs, Transport.AUTO, CpuPinning.AUTO);
    Fit unpinned = epochFigures(data, backend, 2, epochs, Transport.AUTO, CpuPinning.OFF);
    Fit tcp = epochFigures(data, backend, 2, epochs, Transport.TCP, CpuPinning.AUTO);
    report.figure(b + ": 2 workers x 1 core, " + two.transport, two.samplesPerSecond, "samples/s");
    report.baseline(b + ": 1 worker x 1 core", one.samplesPerSecond, "samples/s");
    double ratio = two.samplesPerSecond / one.samplesPerSecond;
    report.ratio(b + ": 2 workers / 1 worker", ratio, ">= 1.7");
    report.ratio(b + ": that / the ceiling", ratio / ceiling, ">= 0.9");
    report.ratio(
        b + ": 2 workers not pinned (CpuPinning.OFF) / 1 worker",
        unpinned.samplesPerSecond / one.samplesPerSecond,
        "(pinning's share)");
    report.ratio(
        b + ": 2 workers forced over TCP / 1 worker",
        tcp.samplesPerSecond / one.samplesPerSecond,
        "(the transport's share)");
    double steps1 = (double) rows / 256;
    double steps2 = (double) rows / 512;
    report.note(
        String.format(
            Locale.ROOT,
            "%s: per step, 1 worker %.1f ms (compute %.1f ms); 2 workers %.1f ms (compute %.1f"
                + " ms, the rest waiting for the all-reduce and the other worker); over TCP %.1f ms"
                + " (compute %.1f ms)",
            b,
            1e3 * one.seconds / steps1,
            1e3 * one.computeSeconds / steps1,
            1e3 * two.seconds / steps2,
            1e3 * two.computeSeconds / steps2,
            1e3 * tcp.seconds / steps2,
            1e3 * tcp.computeSeconds / steps2));
    report.note(b + ": transport " + two.transport + "; forced: " + tcp.transport);
    report.note(b + ": 2 workers " + two.pinning + "; 1 worker " + one.pinning);
    report.note(
        String.format(
            Locale.ROOT,
            "%s: the warm-up fit (2 workers, the first to run them in this context): %.0f"
                + " samples/s, %.2f x the 1 worker measured after it; per step %.1f ms (compute %.1f"
                + " ms)",
            b,
            cold.samplesPerSecond,
            cold.samplesPerSecond / one.samplesPerSecond,
            1e3 * cold.seconds / steps2,
            1e3 * cold.computeSeconds / steps2));
  }

  private static XShards synthetic(int rows) {
    Random r = new Random(7);
    float[][] x = new float[rows][784];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < 784; j++) {
        x[i][j] = r.nextFloat();
      }
      y[i] = r.nextInt(10);
    }
    return XShards.fromArrays(x, y, 4);
  }

  private static Estimator estimator(Backend backend, int workers) {
    Model mlp =
        new Sequential(784)
            .add(new Dense(512))
            .add(new ReLU())
            .add(new Dense(256))
            .add(new ReLU())
            .add(new Dense(10))
            .optSeed(1)
            .build();
    return Estimator.builder()
        .setModel(mlp)
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Sgd(0.01, 0.9))
        .optBackend(backend)
        .optWorkers(workers)
        .optCoresPerWorker(1)
        .build();
  }

  private static TrainingHistory fit(
      XShards data,
      Backend backend,
      int workers,
      int epochs,
      Transport transport,
      CpuPinning pinning) {
    try (Estimator est = estimator(backend, workers)) {
      return est.fit(
          data,
          FitConfig.builder()
              .setEpochs(epochs)
              .setBatchSize(256 * workers)
              .optSeed(3)
              .optProgress(false)
              .optTransport(transport)
              .optCpuPinning(pinning)
              .build());
    }
  }

  private static TrainingHistory fit(XShards data, Backend backend, int workers, int epochs) {
    return fit(data, backend, workers, epochs, Transport.AUTO, CpuPinning.AUTO);
  }

  /**
   * Medians over the epochs after the first: samples per second, seconds per epoch, and the
   * workers' computation (forward, backward, update) in seconds per epoch; and the transport.
   */
  private record Fit(
      double samplesPerSecond,
      double seconds,
      double computeSeconds,
      String transport,
      String pinning) {}

  private static Fit epochFigures(
      XShards data,
      Backend backend,
      int workers,
      int epochs,
      Transport transport,
      CpuPinning pinning) {
    TrainingHistory h = fit(data, backend, workers, epochs + 1, transport, pinning);
    List<EpochRecord> e = h.epochs().subList(1, epochs + 1);
    return new Fit(
        median(e.stream().mapToDouble(EpochRecord::samplesPerSecond).toArray()),
        median(e.stream().mapToDouble(EpochRecord::seconds).toArray()),
        median(e.stream().mapToDouble(EpochRecord::computeSeconds).toArray()),
        h.transport() == null ? "one worker" : h.transport().replaceFirst(":.*", ""),
        h.transport() == null || !h.transport().contains("pinned")
            ? "not pinned"
            : h.transport().replaceFirst(".*; ((not )?pinned[^;]*).*", "$1"));
  }

  /**
   * [marginal driver-observed seconds per epoch, mean computation seconds per epoch], 2 workers.
   */
  private static double[] epochOverhead(XShards data, Backend backend, int epochs) {
    fit(data, backend, 2, 1); // warm-up
    long t0 = System.nanoTime();
    fit(data, backend, 2, epochs);
    long t1 = System.nanoTime();
    TrainingHistory twice = fit(data, backend, 2, 2 * epochs);
    long t2 = System.nanoTime();
    double marginal = ((t2 - t1) - (t1 - t0)) / 1e9 / epochs;
    List<Double> compute = new ArrayList<>();
    twice.epochs().forEach(e -> compute.add(e.computeSeconds()));
    return new double[] {
      marginal, median(compute.stream().mapToDouble(Double::doubleValue).toArray())
    };
  }

  /**
   * [1 replica, 2 replicas] in samples/s, medians of five rounds of one replica alone then two side
   * by side; {@code pin}: each replica's thread on a CPU of its own.
   */
  private static double[] ceiling(int epochs, boolean pin) {
    double[] alone = new double[5];
    double[] pair = new double[5];
    for (int r = 0; r < alone.length; r++) {
      alone[r] = independentReplicas(1, 64 * epochs, pin);
      pair[r] = independentReplicas(2, 64 * epochs, pin);
    }
    return new double[] {median(alone), median(pair)};
  }

  /**
   * Samples per second of {@code replicas} threads, each training its own copy of the MLP on one
   * MKL thread for {@code steps} steps at the same time, with no data, Spark or all-reduce.
   */
  private static double independentReplicas(int replicas, int steps, boolean pin) {
    List<MlpTraining> models = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(replicas);
    try {
      List<Future<MlpTraining>> made = new ArrayList<>();
      List<String> places = new ArrayList<>();
      for (int i = 0; i < replicas; i++) {
        places.add("replica:" + i);
      }
      for (int i = 0; i < replicas; i++) {
        int place = i;
        made.add(
            pool.submit(
                () -> {
                  if (pin) {
                    // as the worker at this place on a host is pinned; the pool's thread stays
                    // pinned until the pool ends
                    CpuPlan.choose(CpuPinning.ON, 1, places, place).pinCallingThread();
                  }
                  MlpTraining t = new MlpTraining(Engine.of(Engine.Backend.MKL, 1));
                  t.run(10); // warm-up
                  return t;
                }));
      }
      for (Future<MlpTraining> f : made) {
        models.add(f.get(5, TimeUnit.MINUTES));
      }
      long t0 = System.nanoTime();
      List<Future<?>> runs = new ArrayList<>();
      for (MlpTraining t : models) {
        runs.add(pool.submit(() -> t.run(steps)));
      }
      // (as many threads as replicas, each taking one run: pinned, each replica has a CPU alone)
      for (Future<?> f : runs) {
        f.get(10, TimeUnit.MINUTES);
      }
      return (double) replicas
          * steps
          * MlpTrainingBenchmark.BATCH
          / ((System.nanoTime() - t0) / 1e9);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("independent replicas did not finish: " + e, e);
    } finally {
      pool.shutdownNow();
      models.forEach(MlpTraining::close);
    }
  }
}

package dev.orca.benchmarks.nn;

import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Training speed of an MLP 784-512-256-10, batch 256, SGD with momentum, in samples per second:
 * MKL at 1 and 2 threads and the pure-Java kernels. The baseline, measured in the same run, is
 * the matrix multiplications of one training step alone, back to back on MKL; the goal is a step
 * within 1.4 times that. Training runs and GEMM-only runs alternate, so that a neighbour's load
 * on a shared machine falls on both alike. When Debian's python3-torch is installed, the same
 * model in PyTorch.
 *
 * <pre>bin/orca-run benchmarks dev.orca.benchmarks.nn.MlpTrainingBenchmark [steps-per-run] [runs]</pre>
 */
public final class MlpTrainingBenchmark {
  static final int BATCH = 256;
  static final int[] WIDTHS = {784, 512, 256, 10};

  private MlpTrainingBenchmark() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    BenchmarkReport report = BenchmarkReport.start("nn-mlp-training",
        "MLP 784-512-256-10 training, batch " + BATCH + ", SGD momentum 0.9");
    report.note(steps + " steps per run, median of " + runs + " runs after one warm-up run; synthetic data");
    double[] mklStep = new double[3];
    for (int threads = 1; threads <= 2; threads++) {
      Engine engine = Engine.of(Engine.Backend.MKL, threads);
      double[] step = new double[runs];
      double[] gemm = new double[runs];
      try (Training training = new Training(engine); GemmsOfAStep gemms = new GemmsOfAStep(engine)) {
        training.run(steps);
        gemms.run(steps);
        for (int r = 0; r < runs; r++) {
          step[r] = seconds(() -> training.run(steps)) / steps;
          gemm[r] = seconds(() -> gemms.run(steps)) / steps;
        }
      }
      double s = median(step);
      double g = median(gemm);
      mklStep[threads] = s;
      report.figure("MKL " + threads + " thread(s): training", BATCH / s, "samples/s");
      report.baseline("MKL " + threads + " thread(s): the step's 8 GEMMs alone", BATCH / g, "samples/s");
      report.ratio("step time / GEMM time, " + threads + " thread(s)", s / g, "<= 1.4");
      report.note(String.format("MKL %d thread(s): %.2f ms per step, %.2f ms of GEMMs (%.1f GFLOP/s)",
          threads, s * 1e3, g * 1e3, GemmsOfAStep.flops() / g / 1e9));
    }
    double[] java = new double[Math.max(3, runs / 2)];
    try (Training training = new Training(Engine.of(Engine.Backend.JAVA, 2))) {
      int javaSteps = Math.max(3, steps / 5);
      training.run(javaSteps);
      for (int r = 0; r < java.length; r++) {
        java[r] = seconds(() -> training.run(javaSteps)) / javaSteps;
      }
    }
    report.figure("pure Java, 2 threads: training", BATCH / median(java), "samples/s");
    report.ratio("pure-Java step time / MKL step time, 2 threads", median(java) / mklStep[2], "");
    TorchComparison.run(report, steps, runs, mklStep);
    report.finish();
  }

  private static double seconds(Runnable work) {
    long t0 = System.nanoTime();
    work.run();
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** The benchmark MLP with its data, compiled with SGD and momentum. */
  private static final class Training implements AutoCloseable {
    private final Model mlp;
    private final Tensor x;
    private final Tensor y;

    Training(Engine engine) {
      Sequential s = new Sequential(WIDTHS[0]);
      for (int i = 1; i < WIDTHS.length; i++) {
        s.add(new Dense(WIDTHS[i]));
        if (i < WIDTHS.length - 1) {
          s.add(new ReLU());
        }
      }
      mlp = s.optSeed(0).optEngine(engine).build();
      mlp.compile(new Sgd(0.01, 0.9), Loss.sparseCategoricalCrossEntropy());
      x = random(BATCH * WIDTHS[0], BATCH, WIDTHS[0]);
      float[] labels = new float[BATCH];
      for (int i = 0; i < BATCH; i++) {
        labels[i] = i % WIDTHS[WIDTHS.length - 1];
      }
      y = Tensor.of(labels, BATCH);
    }

    void run(int steps) {
      for (int i = 0; i < steps; i++) {
        mlp.trainStep(x, y);
      }
    }

    @Override
    public void close() {
      mlp.close();
      x.close();
      y.close();
    }
  }

  static Tensor random(long seed, int... dims) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Tensor.of(v, dims);
  }
}

package dev.orca.benchmarks.nn;

import static dev.orca.benchmarks.Timing.median;

import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.nn.Engine;
import dev.orca.nn.Tensor;
import java.util.SplittableRandom;

/**
 * Training speed of an MLP 784-512-256-10, batch 256, SGD with momentum, in samples per second: MKL
 * at 1 and 2 threads and the pure-Java kernels. The baseline, measured in the same run, is the
 * matrix multiplications of one training step alone, back to back on MKL; the goal is a step within
 * 1.4 times that. Training runs and GEMM-only runs alternate, so that a neighbour's load on a
 * shared machine falls on both alike. When Debian's python3-torch is installed, the same model in
 * PyTorch.
 *
 * <p>Given {@code --before=<dir>} (a source tree whose nn-engine and orca-common are compiled), the
 * same MLP on that older engine, timed in a JVM of its own, against the GEMMs of this run.
 *
 * <pre>
 * bin/orca-run benchmarks dev.orca.benchmarks.nn.MlpTrainingBenchmark [steps=50] [runs=7] [--before=DIR]
 * </pre>
 */
public final class MlpTrainingBenchmark {
  public static final int BATCH = 256;
  static final int[] WIDTHS = {784, 512, 256, 10};

  private MlpTrainingBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchmarkArgs parsed =
        BenchmarkArgs.parse(
            "MlpTrainingBenchmark [steps=50] [runs=7] [--before=DIR]",
            args,
            "steps",
            "runs",
            "--before");
    int steps = parsed.integer("steps", 50);
    int runs = parsed.integer("runs", 7);
    String before = parsed.string("--before", null);
    BenchmarkReport report =
        BenchmarkReport.start(
            "nn-mlp-training",
            "MLP 784-512-256-10 training, batch " + BATCH + ", SGD momentum 0.9");
    report.note(
        steps
            + " steps per run, median of "
            + runs
            + " runs after one warm-up run; synthetic data");
    double[] mklStep = new double[3];
    for (int threads = 1; threads <= 2; threads++) {
      Engine engine = Engine.of(Engine.Backend.MKL, threads);
      double[] step = new double[runs];
      double[] gemm = new double[runs];
      try (MlpTraining training = new MlpTraining(engine);
          GemmsOfAStep gemms = new GemmsOfAStep(engine)) {
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
      report.baseline(
          "MKL " + threads + " thread(s): the step's 8 GEMMs alone", BATCH / g, "samples/s");
      report.ratio(
          "step time / GEMM time, " + threads + " thread(s)",
          s / g,
          threads == 1 ? "<= 1.4" : "<= 1.15");
      report.note(
          String.format(
              "MKL %d thread(s): %.2f ms per step, %.2f ms of GEMMs (%.1f GFLOP/s)",
              threads, s * 1e3, g * 1e3, GemmsOfAStep.flops() / g / 1e9));
      if (before != null) {
        double[] old = new double[2];
        for (int i = 0; i < old.length; i++) {
          old[i] =
              CnnLstmTrainingBenchmark.child(before, "mlp", threads, steps, Math.max(3, runs / 2));
        }
        double b = median(old);
        report.baseline(
            "MKL " + threads + " thread(s): the engine before (" + before + ")",
            BATCH / b,
            "samples/s");
        report.ratio("before: step time / GEMM time, " + threads + " thread(s)", b / g, "");
      }
    }
    double[] java = new double[Math.max(3, runs / 2)];
    try (MlpTraining training = new MlpTraining(Engine.of(Engine.Backend.JAVA, 2))) {
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

package dev.orca.benchmarks.nn;

import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.benchmarks.Timing;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.util.SplittableRandom;

/**
 * Training speed of an MLP 784-512-256-10, batch 256, SGD with momentum, in samples per second:
 * MKL at 1 and 2 threads and the pure-Java kernels. The baseline, measured in the same run, is
 * the matrix multiplications of one training step alone, back to back on MKL; the goal is a step
 * within 1.4 times that. When Debian's python3-torch is installed, the same model in PyTorch.
 *
 * <pre>bin/orca-run benchmarks dev.orca.benchmarks.nn.MlpTrainingBenchmark [steps-per-run] [runs]</pre>
 */
public final class MlpTrainingBenchmark {
  static final int BATCH = 256;
  static final int[] WIDTHS = {784, 512, 256, 10};

  private MlpTrainingBenchmark() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    BenchmarkReport report = BenchmarkReport.start("nn-mlp-training",
        "MLP 784-512-256-10 training, batch " + BATCH + ", SGD momentum 0.9");
    report.note(steps + " steps per run, median of " + runs + " runs after one warm-up run; synthetic data");
    double[] mklStep = new double[3];
    for (int threads = 1; threads <= 2; threads++) {
      Engine engine = Engine.of(Engine.Backend.MKL, threads);
      double step = stepSeconds(engine, steps, runs);
      double gemms = GemmsOfAStep.seconds(engine, steps, runs);
      mklStep[threads] = step;
      report.figure("MKL " + threads + " thread(s): training", BATCH / step, "samples/s");
      report.baseline("MKL " + threads + " thread(s): the step's 8 GEMMs alone", BATCH / gemms, "samples/s");
      report.ratio("step time / GEMM time, " + threads + " thread(s)", step / gemms, "<= 1.4");
      report.note(String.format("MKL %d thread(s): %.2f ms per step, %.2f ms of it GEMMs (%.1f GFLOP/s)",
          threads, step * 1e3, gemms * 1e3, GemmsOfAStep.flops() / gemms / 1e9));
    }
    double java = stepSeconds(Engine.of(Engine.Backend.JAVA, 2), Math.max(3, steps / 10), runs);
    report.figure("pure Java, 2 threads: training", BATCH / java, "samples/s");
    report.ratio("pure-Java step time / MKL step time, 2 threads", java / mklStep[2], "");
    TorchComparison.run(report, steps, runs, mklStep);
    report.finish();
  }

  /** Median seconds per training step of the MLP on {@code engine}. */
  static double stepSeconds(Engine engine, int steps, int runs) throws Exception {
    Sequential s = new Sequential(WIDTHS[0]);
    for (int i = 1; i < WIDTHS.length; i++) {
      s.add(new Dense(WIDTHS[i]));
      if (i < WIDTHS.length - 1) {
        s.add(new ReLU());
      }
    }
    try (Model mlp = s.optSeed(0).optEngine(engine).build();
        Tensor x = random(BATCH * WIDTHS[0], BATCH, WIDTHS[0]);
        Tensor y = labels(BATCH, WIDTHS[WIDTHS.length - 1])) {
      mlp.compile(new Sgd(0.01, 0.9), Loss.sparseCategoricalCrossEntropy());
      Timing t = Timing.of(1, runs, () -> {
        for (int i = 0; i < steps; i++) {
          mlp.trainStep(x, y);
        }
      });
      return t.median() / steps;
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

  private static Tensor labels(int n, int classes) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i % classes;
    }
    return Tensor.of(v, n);
  }
}

package dev.orca.benchmarks.nn;

import static dev.orca.benchmarks.Timing.median;

import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.nn.Engine;
import dev.orca.nn.internal.dnnl.Dnnl;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Training speed of the small CNN (conv 3x3x32 + ReLU + maxpool 2 + dense 10 on 28x28x1) and of an
 * LSTM (50 steps of 32 features, 128 units, dense 10), batch 64, SGD with momentum, at 1 and 2
 * threads, against baselines measured in the same run: the step's oneDNN and MKL calls alone, back
 * to back ({@link PrimitivesOfAStep}; goal: the step within 1.3 times that), the same build with
 * oneDNN off (the engine's own kernels), and, given {@code --before=<dir>}, the engine of an older
 * build (a source tree whose nn-engine and orca-common are compiled in {@code target/classes}),
 * timed in a JVM of its own by {@link StepTiming} (goal for the CNN: 1.5 times faster). Runs of
 * each alternate, so that a neighbour's load falls on all alike.
 *
 * <pre>
 * bin/orca-run benchmarks dev.orca.benchmarks.nn.CnnLstmTrainingBenchmark [steps=20] [runs=7] [--before=DIR]
 * </pre>
 */
public final class CnnLstmTrainingBenchmark {
  private CnnLstmTrainingBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchmarkArgs parsed =
        BenchmarkArgs.parse(
            "CnnLstmTrainingBenchmark [steps=20] [runs=7] [--before=DIR]",
            args,
            "steps",
            "runs",
            "--before");
    int steps = parsed.integer("steps", 20);
    int runs = parsed.integer("runs", 7);
    String before = parsed.string("--before", null);
    for (String model : new String[] {"cnn", "lstm"}) {
      BenchmarkReport report =
          BenchmarkReport.start(
              "nn-" + model + "-training",
              model.equals("cnn")
                  ? "CNN conv 3x3x32 + ReLU + maxpool 2 + dense 10 on 28x28x1, batch 64, SGD"
                  : "LSTM 128 units over 50 steps of 32 features + dense 10, batch 64, SGD");
      report.note(
          steps
              + " steps per run, median of "
              + runs
              + " runs after a warm-up run; "
              + Dnnl.describe());
      for (int threads = 1; threads <= 2; threads++) {
        measure(report, model, threads, steps, runs, before);
      }
      report.finish();
    }
  }

  private static void measure(
      BenchmarkReport report, String model, int threads, int steps, int runs, String before)
      throws Exception {
    Engine dnnl = Engine.of(Engine.Backend.MKL, threads).withDnnl(true);
    Engine own = dnnl.withDnnl(false);
    double[] step = new double[runs];
    double[] prims = new double[runs];
    double[] ownStep = new double[Math.max(3, runs / 2)];
    long reorders;
    try (StepModels m = StepModels.of(model, dnnl);
        StepModels reference = StepModels.of(model, own);
        PrimitivesOfAStep p = PrimitivesOfAStep.of(model, dnnl)) {
      m.run(steps);
      p.run(steps);
      reference.run(Math.max(1, steps / 4));
      long r0 = Dnnl.reorders();
      m.run(1);
      reorders = Dnnl.reorders() - r0;
      for (int r = 0; r < runs; r++) {
        step[r] = seconds(() -> m.run(steps)) / steps;
        prims[r] = seconds(() -> p.run(steps)) / steps;
        if (r < ownStep.length) {
          int n = Math.max(1, steps / 4);
          ownStep[r] = seconds(() -> reference.run(n)) / n;
        }
      }
    }
    double s = median(step);
    double b = median(prims);
    double o = median(ownStep);
    String t = threads + " thread(s)";
    report.figure(t + ": training step on oneDNN", s * 1e3, "ms");
    report.baseline(t + ": its oneDNN and MKL calls alone", b * 1e3, "ms");
    report.ratio(t + ": step / its calls", s / b, "<= 1.3");
    report.baseline(t + ": same build, oneDNN off", o * 1e3, "ms");
    report.ratio(t + ": oneDNN off / on", o / s, "");
    report.note(
        String.format(
            "%s: %,.0f samples/s on oneDNN, %d reorders per step",
            t, StepModels.BATCH / s, reorders));
    if (before != null) {
      double[] old = new double[2];
      for (int i = 0; i < old.length; i++) {
        old[i] = child(before, model, threads, steps, Math.max(3, runs / 2));
      }
      double bs = median(old);
      report.baseline(t + ": the engine before oneDNN (" + before + ")", bs * 1e3, "ms");
      report.ratio(t + ": before / now", bs / s, model.equals("cnn") ? ">= 1.5" : "");
    }
  }

  /** Seconds per step of the older build's engine, from a JVM of its own. */
  static double child(String before, String model, int threads, int steps, int runs)
      throws IOException, InterruptedException {
    String[] mine = System.getProperty("java.class.path").split(File.pathSeparator);
    String classpath =
        Path.of(before, "nn-engine/target/classes")
            + File.pathSeparator
            + Path.of(before, "orca-common/target/classes")
            + File.pathSeparator
            + Arrays.stream(mine)
                .filter(e -> !e.contains("nn-engine") && !e.contains("orca-common"))
                .collect(Collectors.joining(File.pathSeparator));
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            classpath,
            StepTiming.class.getName(),
            model,
            String.valueOf(threads),
            String.valueOf(steps),
            String.valueOf(runs));
    Path log = Files.createTempFile("orca-step-timing", ".txt");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(600, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("the older build's step timing did not end in 600 s");
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      if (p.exitValue() != 0 || lines.isEmpty()) {
        throw new IllegalStateException("the older build's step timing failed: " + lines);
      }
      return Double.parseDouble(lines.get(lines.size() - 1).trim());
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static double seconds(Runnable work) {
    long t0 = System.nanoTime();
    work.run();
    return (System.nanoTime() - t0) / 1e9;
  }
}

package dev.orca.benchmarks.nn;

import dev.orca.nn.Engine;
import java.util.Arrays;

/**
 * Times training steps of a {@link StepModels} model on MKL at a thread count and prints the median
 * seconds per step on the last line. Run in a JVM of its own by the CNN and LSTM benchmarks, with
 * this build's engine or the engine of an older build first on the class path (the "before"
 * figure), so it calls nothing the older engine lacks.
 *
 * <pre>java -cp ... dev.orca.benchmarks.nn.StepTiming cnn|lstm|mlp threads steps runs</pre>
 */
public final class StepTiming {
  private StepTiming() {}

  public static void main(String[] args) {
    String model = args[0];
    int threads = Integer.parseInt(args[1]);
    int steps = Integer.parseInt(args[2]);
    int runs = Integer.parseInt(args[3]);
    Engine engine = Engine.of(Engine.Backend.MKL, threads);
    if (model.equals("mlp")) {
      try (MlpTraining m = new MlpTraining(engine)) {
        System.out.println(median(m::run, steps, runs));
      }
      return;
    }
    try (StepModels m = StepModels.of(model, engine)) {
      System.out.println(median(m::run, steps, runs));
    }
  }

  /** Something that takes training steps. */
  interface Steps {
    void run(int steps);
  }

  /** Median seconds per step over {@code runs} runs of {@code steps}, after one warm-up run. */
  static double median(Steps m, int steps, int runs) {
    m.run(steps);
    double[] t = new double[runs];
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      m.run(steps);
      t[r] = (System.nanoTime() - t0) / 1e9 / steps;
    }
    Arrays.sort(t);
    return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
  }
}

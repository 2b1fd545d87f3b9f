package dev.orca.estimator;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Runs {@code cycles} OrcaContext start / fit / evaluate / predict / stop cycles, alternating the
 * backends, each on 16 MiB of new training data, and prints the process's resident memory after
 * each ({@code rss <cycle> <KiB>}); see {@link LifecycleMemoryTest}.
 */
public final class LifecycleMemoryMain {
  private static final int ROWS = 125_000;
  private static final int WIDTH = 32;

  private LifecycleMemoryMain() {}

  public static void main(String[] args) throws Exception {
    int cycles = Integer.parseInt(args[0]);
    for (int i = 0; i < cycles; i++) {
      cycle(i, i % 2 == 0 ? Backend.SPARK : Backend.RAY);
      System.gc();
      System.out.println("rss " + (i + 1) + " " + rssKiB());
    }
  }

  private static void cycle(int seed, Backend backend) {
    try (OrcaContext orca = OrcaContext.builder().cores(2).start()) {
      Random r = new Random(seed);
      float[][] x = new float[ROWS][WIDTH];
      float[] y = new float[ROWS];
      for (int i = 0; i < ROWS; i++) {
        for (int j = 0; j < WIDTH; j++) {
          x[i][j] = (float) r.nextGaussian();
        }
        y[i] = x[i][0] + x[i][1] > 0 ? 1 : 0;
      }
      XShards data = XShards.fromArrays(x, y, 4).cache();
      try (Estimator est =
          Estimator.builder()
              .setModel(
                  new Sequential(WIDTH)
                      .add(new Dense(64))
                      .add(new ReLU())
                      .add(new Dense(2))
                      .optSeed(seed)
                      .build())
              .setLoss(Loss.sparseCategoricalCrossEntropy())
              .setOptimizer(new Sgd(0.1))
              .optBackend(backend)
              .optWorkers(2)
              .optCoresPerWorker(1)
              .build()) {
        est.fit(
            data, FitConfig.builder().setEpochs(1).setBatchSize(512).optProgress(false).build());
        est.evaluate(data);
        est.predict(data).rdd().count();
      }
      data.uncache();
    }
  }

  private static long rssKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}

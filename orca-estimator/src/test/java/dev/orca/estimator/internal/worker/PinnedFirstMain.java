package dev.orca.estimator.internal.worker;

import dev.orca.estimator.CpuPinning;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.util.List;

/**
 * A fresh JVM (for {@link OpenMpAfterPinningTest}) in which the first computation, the first entry
 * into MKL's and oneDNN's OpenMP runtime, is a pinned worker's; then the main thread computes.
 * Prints "CPUS <main's CPUs at the start> <main's CPUs after computing> <the pinned CPU>".
 */
public final class PinnedFirstMain {
  private PinnedFirstMain() {}

  public static void main(String[] args) throws Exception {
    String start = CpuPlanTest.allowedCpus();
    String[] pinned = new String[1];
    Thread worker =
        new Thread(
            () -> {
              CpuPlan plan = CpuPlan.choose(CpuPinning.ON, 1, List.of("a:1"), 0);
              try (CpuPlan.Pinned p = plan.pinCallingThread()) {
                pinned[0] = CpuPlanTest.allowedCpus();
                trainOnce();
              }
            },
            "pinned-worker");
    worker.start();
    worker.join();
    trainOnce();
    System.out.println("CPUS " + start + " " + CpuPlanTest.allowedCpus() + " " + pinned[0]);
  }

  /** One training step of a small CNN: a convolution on oneDNN, a dense layer on MKL. */
  private static void trainOnce() {
    float[] x = new float[4 * 8 * 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 7) / 7f;
    }
    try (Model m =
            new Sequential(8, 8, 1)
                .add(new Conv2D(4, 3))
                .add(new ReLU())
                .add(new Flatten())
                .add(new Dense(3))
                .optSeed(1)
                .build();
        Tensor features = Tensor.of(x, 4, 8, 8, 1);
        Tensor labels = Tensor.of(new float[] {0, 1, 2, 1}, 4)) {
      m.compile(new Sgd(0.1), Loss.sparseCategoricalCrossEntropy());
      m.trainStep(features, labels);
    }
  }
}

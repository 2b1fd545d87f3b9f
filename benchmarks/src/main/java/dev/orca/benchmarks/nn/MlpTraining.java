package dev.orca.benchmarks.nn;

import static dev.orca.benchmarks.nn.MlpTrainingBenchmark.BATCH;
import static dev.orca.benchmarks.nn.MlpTrainingBenchmark.WIDTHS;
import static dev.orca.benchmarks.nn.MlpTrainingBenchmark.random;

import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;

/**
 * The benchmark MLP (784-512-256-10, ReLU) with one batch of 256 random rows, compiled with SGD and
 * momentum 0.9: {@link #run} takes training steps on it, nothing else.
 */
public final class MlpTraining implements AutoCloseable {
  private final Model mlp;
  private final Tensor x;
  private final Tensor y;

  public MlpTraining(Engine engine) {
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

  public void run(int steps) {
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

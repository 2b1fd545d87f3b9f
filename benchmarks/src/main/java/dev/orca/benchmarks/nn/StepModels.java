package dev.orca.benchmarks.nn;

import static dev.orca.benchmarks.nn.MlpTrainingBenchmark.random;

import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;

/**
 * The models of the CNN and LSTM benchmarks, each with one batch of random data, compiled with SGD
 * and momentum 0.9. Only the engine's public API of before oneDNN is used here, so that {@link
 * StepTiming} can time the same models on that build.
 */
public final class StepModels implements AutoCloseable {
  public static final int BATCH = 64;

  /** Sequence length, input features and hidden units of the LSTM benchmark. */
  public static final int STEPS = 50;

  public static final int FEATURES = 32;
  public static final int UNITS = 128;

  private final Model model;
  private final Tensor x;
  private final Tensor y;

  private StepModels(Model model, Tensor x) {
    this.model = model;
    this.x = x;
    model.compile(new Sgd(0.01, 0.9), Loss.sparseCategoricalCrossEntropy());
    float[] labels = new float[BATCH];
    for (int i = 0; i < BATCH; i++) {
      labels[i] = i % 10;
    }
    y = Tensor.of(labels, BATCH);
  }

  /** conv 3x3x32 (same) + ReLU + maxpool 2 + dense 10 on 28x28x1. */
  public static StepModels cnn(Engine engine) {
    return new StepModels(
        new Sequential(28, 28, 1)
            .add(new Conv2D(32, 3))
            .add(new ReLU())
            .add(new MaxPool2D(2))
            .add(new Flatten())
            .add(new Dense(10))
            .optSeed(0)
            .optEngine(engine)
            .build(),
        random(1, BATCH, 28, 28, 1));
  }

  /** LSTM of 128 units over 50 steps of 32 features, last state into dense 10. */
  public static StepModels lstm(Engine engine) {
    return new StepModels(
        new Sequential(STEPS, FEATURES)
            .add(new LSTM(UNITS))
            .add(new Dense(10))
            .optSeed(0)
            .optEngine(engine)
            .build(),
        random(2, BATCH, STEPS, FEATURES));
  }

  public static StepModels of(String name, Engine engine) {
    switch (name) {
      case "cnn":
        return cnn(engine);
      case "lstm":
        return lstm(engine);
      default:
        throw new IllegalArgumentException("no benchmark model " + name + ": cnn or lstm");
    }
  }

  public Model model() {
    return model;
  }

  public void run(int steps) {
    for (int i = 0; i < steps; i++) {
      model.trainStep(x, y);
    }
  }

  @Override
  public void close() {
    model.close();
    x.close();
    y.close();
  }
}

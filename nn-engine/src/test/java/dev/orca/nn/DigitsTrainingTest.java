package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import dev.orca.nn.optim.Sgd;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real training on the UCI digits: 20 % held out, stratified, seed 0. */
class DigitsTrainingTest {
  static Digits digits;

  @BeforeAll
  static void load() {
    digits = Digits.load();
    assertEquals(1797, digits.trainX.length + digits.testX.length);
    assertEquals(359, digits.testX.length, "a fifth of each class, rounded");
  }

  @Test
  void mlpReachesAtLeast97PercentOnHeldOutDigits() {
    try (Model mlp =
            new Sequential(64)
                .add(new Dense(128))
                .add(new ReLU())
                .add(new Dropout(0.1f))
                .add(new Dense(64))
                .add(new ReLU())
                .add(new Dense(10))
                .optSeed(0)
                .build();
        Tensor x = Digits.tensor(digits.trainX, 64);
        Tensor y = Tensor.of(digits.trainY, digits.trainY.length);
        Tensor tx = Digits.tensor(digits.testX, 64);
        Tensor ty = Tensor.of(digits.testY, digits.testY.length)) {
      mlp.compile(new Adam(1e-3), Loss.sparseCategoricalCrossEntropy(), Metric.accuracy());
      long t0 = System.nanoTime();
      History h = mlp.fit(x, y, 32, 30);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Double> test = mlp.evaluate(tx, ty, 128);
      System.out.printf("MLP digits: train %s, test %s, %.2f s%n", h.last(), test, seconds);
      assertTrue(h.epoch(0).get("loss") > h.last().get("loss") * 3, "the training loss fell: " + h);
      assertTrue(test.get("accuracy") >= 0.97, "test accuracy " + test);
    }
  }

  @Test
  void smallCnnReachesAtLeast97PercentOnHeldOutDigitsOnOneDnnAsOnItsOwnKernels() {
    double own = smallCnnAccuracy(LayerCases.Engines.MKL.engine(2));
    double dnnl = smallCnnAccuracy(LayerCases.Engines.ONEDNN.engine(2));
    System.out.printf("CNN digits test accuracy: own kernels %.4f, oneDNN %.4f%n", own, dnnl);
    // the same training up to float summation order: at most 3 of the 359 test digits differ
    assertTrue(Math.abs(own - dnnl) <= 3.5 / 359, "own kernels " + own + ", oneDNN " + dnnl);
  }

  private double smallCnnAccuracy(Engine engine) {
    try (Model cnn =
            new Sequential(8, 8, 1)
                .add(new Conv2D(16, 3))
                .add(new ReLU())
                .add(new Conv2D(32, 3))
                .add(new ReLU())
                .add(new MaxPool2D(2))
                .add(new Flatten())
                .add(new Dense(64))
                .add(new ReLU())
                .add(new Dense(10))
                .optSeed(0)
                .optEngine(engine)
                .build();
        Tensor x = Digits.tensor(digits.trainX, 8, 8, 1);
        Tensor y = Tensor.of(digits.trainY, digits.trainY.length);
        Tensor tx = Digits.tensor(digits.testX, 8, 8, 1);
        Tensor ty = Tensor.of(digits.testY, digits.testY.length)) {
      cnn.compile(
          new Sgd(0.05, 0.9),
          Loss.sparseCategoricalCrossEntropy(),
          Metric.accuracy(),
          Metric.topKAccuracy(3));
      long t0 = System.nanoTime();
      History h = cnn.fit(x, y, 32, 15);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Double> test = cnn.evaluate(tx, ty, 128);
      System.out.printf(
          "CNN digits on %s: train %s, test %s, %.2f s%n", engine, h.last(), test, seconds);
      assertTrue(test.get("accuracy") >= 0.97, "test accuracy " + test + " on " + engine);
      assertTrue(test.get("top_3_accuracy") >= test.get("accuracy"));
      return test.get("accuracy");
    }
  }
}

package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Transfer learning on the UCI digits: a CNN learns the digits 0 to 4; its convolutional base is
 * cut after the flatten, frozen, and given a new head that learns the digits 5 to 9, which it must
 * recognise on held-out data (at least 95 %) while every weight and running statistic of the base
 * stays bitwise as it was.
 */
class TransferLearningTest {
  /** The rows of {@code x, y} whose label lies in [from, to), labels shifted down by from. */
  private record Subset(Tensor x, Tensor y) implements AutoCloseable {
    static Subset of(float[][] x, float[] y, int from, int to) {
      List<float[]> rows = new ArrayList<>();
      List<Float> labels = new ArrayList<>();
      for (int r = 0; r < y.length; r++) {
        if (y[r] >= from && y[r] < to) {
          rows.add(x[r]);
          labels.add(y[r] - from);
        }
      }
      float[] l = new float[labels.size()];
      for (int i = 0; i < l.length; i++) {
        l[i] = labels.get(i);
      }
      return new Subset(
          Digits.tensor(rows.toArray(new float[0][]), 8, 8, 1), Tensor.of(l, l.length));
    }

    @Override
    public void close() {
      x.close();
      y.close();
    }
  }

  private static Model digitsCnn() {
    return new Sequential(8, 8, 1)
        .add(new Conv2D(16, 3).named("conv1"))
        .add(new BatchNorm().named("bn1"))
        .add(new ReLU().named("relu1"))
        .add(new Conv2D(32, 3).named("conv2"))
        .add(new ReLU().named("relu2"))
        .add(new MaxPool2D(2).named("pool"))
        .add(new Flatten().named("flatten"))
        .add(new Dense(64).named("dense"))
        .add(new ReLU().named("relu3"))
        .add(new Dense(5).named("classes"))
        .optSeed(0)
        .build();
  }

  @Test
  void aFrozenBaseFromDigitsZeroToFourGivesANewHeadAtLeast95PercentOnFiveToNine() {
    Digits digits = Digits.load();
    try (Subset low = Subset.of(digits.trainX, digits.trainY, 0, 5);
        Subset lowTest = Subset.of(digits.testX, digits.testY, 0, 5);
        Subset high = Subset.of(digits.trainX, digits.trainY, 5, 10);
        Subset highTest = Subset.of(digits.testX, digits.testY, 5, 10);
        Model base = digitsCnn()) {
      base.compile(new Adam(2e-3), Loss.sparseCategoricalCrossEntropy(), Metric.accuracy());
      base.fit(low.x(), low.y(), 32, 10);
      double lowAccuracy = base.evaluate(lowTest.x(), lowTest.y(), 128).get("accuracy");
      assertTrue(lowAccuracy >= 0.97, "the base on 0-4: " + lowAccuracy);

      GraphModel g = base.cutAt("flatten");
      GraphModel.Node h = g.apply(new Dense(64).named("head_dense"), g.node("flatten"));
      h = g.apply(new ReLU().named("head_relu"), h);
      h = g.apply(new Dropout(0.2f).named("head_dropout"), h);
      try (Model tuned = g.build(g.apply(new Dense(5).named("head_classes"), h))) {
        tuned.freezeUpTo("flatten");
        assertEquals(
            List.of("conv1", "bn1", "relu1", "conv2", "relu2", "pool", "flatten"),
            tuned.frozenLayers());
        // the base's layers come first in the flat buffers, the head's after them
        int baseParams = tuned.parameterCount() - denseParams(tuned, "head_dense", "head_classes");
        float[] baseWeights = floats(base.parameters(), baseParams);
        float[] baseState = floats(base.state(), base.state().capacity());
        assertArrayEquals(baseWeights, floats(tuned.parameters(), baseParams), "weights carried");

        tuned.compile(new Adam(2e-3), Loss.sparseCategoricalCrossEntropy(), Metric.accuracy());
        History history = tuned.fit(high.x(), high.y(), 32, 10);
        Map<String, Double> test = tuned.evaluate(highTest.x(), highTest.y(), 128);
        System.out.printf(
            "transfer: base on 0-4 %.4f; new head on 5-9: test %s, last epoch %s%n",
            lowAccuracy, test, history.last());
        assertTrue(test.get("accuracy") >= 0.95, "the new head on 5-9: " + test);
        assertBitwiseEqual(baseWeights, floats(tuned.parameters(), baseParams), "base weights");
        assertBitwiseEqual(baseState, floats(tuned.state(), baseState.length), "bn1 statistics");
        float[] grads = floats(tuned.gradients(), baseParams);
        for (float v : grads) {
          assertEquals(0f, v, "no gradient is computed for a frozen layer");
        }
      }
    }
  }

  private static int denseParams(Model model, String... layers) {
    int n = 0;
    for (String layer : layers) {
      n += model.parameter(layer, "kernel").size() + model.parameter(layer, "bias").size();
    }
    return n;
  }

  static float[] floats(java.nio.FloatBuffer b, int n) {
    float[] v = new float[n];
    b.get(0, v, 0, n);
    return v;
  }

  static void assertBitwiseEqual(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
        throw new AssertionError(
            what + " changed at " + i + ": " + expected[i] + " became " + actual[i]);
      }
    }
  }
}

package dev.orca.nn;

import static dev.orca.nn.TransferLearningTest.assertBitwiseEqual;
import static dev.orca.nn.TransferLearningTest.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.layers.Workspace;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.AdamW;
import dev.orca.nn.optim.Sgd;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What freezing a layer means: no update, no weight gradient, inference behaviour, persistence. */
class FreezeTest {
  /** An identity layer that counts its backward calls (a static count: layers are copied). */
  static final class CountingIdentity extends Layer {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger BACKWARDS = new AtomicInteger();

    @Override
    public Shape outputShape(Shape... in) {
      return in[0];
    }

    @Override
    public void forward(Workspace ws, Tensor[] in, Tensor out) {
      out.copyFrom(in[0]);
    }

    @Override
    public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
      BACKWARDS.incrementAndGet();
      if (gradIn[0] != null) {
        gradIn[0].copyFrom(g);
      }
    }
  }

  private static Model threeDense() {
    return new Sequential(6)
        .add(new Dense(8).named("first"))
        .add(new ReLU().named("relu"))
        .add(new Dense(8).named("middle"))
        .add(new Dense(3).named("last"))
        .optSeed(3)
        .build();
  }

  @Test
  void aFrozenMiddleLayerIsNeitherUpdatedNorGivenAGradientAndPassesTheRightGradientBack() {
    try (Model frozen = threeDense();
        Model plain = threeDense();
        Tensor x = TestTensors.random(1, 4, 6);
        Tensor y = Tensor.of(new float[] {0, 1, 2, 1}, 4)) {
      frozen.freeze("middle");
      int from = 6 * 8 + 8;
      int to = from + 8 * 8 + 8;
      // a sentinel in the frozen layer's gradients: nothing may write there
      for (int i = from; i < to; i++) {
        frozen.gradients().put(i, Float.NaN);
      }
      float[] before = floats(frozen.parameters(), frozen.parameterCount());
      // AdamW decays every weight it updates, even with a zero gradient
      frozen.compile(new AdamW(0.01), Loss.sparseCategoricalCrossEntropy());
      plain.compile(new AdamW(0.01), Loss.sparseCategoricalCrossEntropy());
      frozen.trainStep(x, y);
      plain.trainStep(x, y);
      float[] after = floats(frozen.parameters(), frozen.parameterCount());
      float[] grads = floats(frozen.gradients(), frozen.parameterCount());
      float[] plainGrads = floats(plain.gradients(), plain.parameterCount());
      for (int i = from; i < to; i++) {
        assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(after[i]));
        assertTrue(Float.isNaN(grads[i]), "the frozen layer's weight gradient was computed");
      }
      for (int i = 0; i < from; i++) {
        // freezing the middle changes nothing of the gradient the first layer gets through it
        assertEquals(plainGrads[i], grads[i], 0f, "first layer, gradient " + i);
        assertNotEquals(before[i], after[i], "the first layer trains");
      }
      for (int i = to; i < after.length; i++) {
        assertEquals(plainGrads[i], grads[i], 0f, "last layer, gradient " + i);
        assertNotEquals(before[i], after[i], "the last layer trains");
      }
    }
  }

  @Test
  void backwardStopsBeforeAFrozenBaseWhichComputesAsInInference() {
    CountingIdentity.BACKWARDS.set(0);
    try (Model model =
            new Sequential(5)
                .add(new Dense(16).named("dense"))
                .add(new BatchNorm(0.5f, 1e-3f).named("bn"))
                .add(new Dropout(0.5f).named("dropout"))
                .add(new CountingIdentity().named("count"))
                .add(new Dense(2).named("head"))
                .optSeed(1)
                .build();
        Tensor x = TestTensors.random(2, 8, 5);
        Tensor y = Tensor.of(new float[] {0, 1, 1, 0, 1, 0, 0, 1}, 8)) {
      model.compile(new Sgd(0.1, 0.9), Loss.sparseCategoricalCrossEntropy());
      model.trainStep(x, y);
      assertEquals(1, CountingIdentity.BACKWARDS.get(), "unfrozen, backward runs through");

      model.freezeUpTo("count");
      assertEquals(List.of("dense", "bn", "dropout", "count"), model.frozenLayers());
      int head = model.parameterCount() - (16 * 2 + 2);
      float[] weights = floats(model.parameters(), head);
      float[] statistics = floats(model.state(), model.state().capacity());
      Tensor trainingForward = model.forward(x, true);
      float[] inTraining = trainingForward.toArray();
      try (Tensor inference = model.predict(x)) {
        assertArrayEquals(inference.toArray(), inTraining, 0f, "no dropout, running statistics");
      }
      for (int step = 0; step < 5; step++) {
        model.trainStep(x, y);
      }
      assertEquals(1, CountingIdentity.BACKWARDS.get(), "no backward reaches the frozen base");
      assertBitwiseEqual(weights, floats(model.parameters(), head), "the frozen base's weights");
      assertBitwiseEqual(statistics, floats(model.state(), statistics.length), "bn statistics");
      assertTrue(
          model.summary().contains("dense (Dense, frozen)")
              && model.summary().contains("Trainable params: 34; frozen: 128"),
          model.summary());

      model.unfreezeAll();
      model.trainStep(x, y);
      assertEquals(2, CountingIdentity.BACKWARDS.get(), "unfrozen again, it trains again");
      assertNotEquals(weights[0], model.parameters().get(0));
    }
  }

  @Test
  void frozenLayersStayFrozenInTheModelFileAndInCopies() throws Exception {
    try (Model model = threeDense().freezeRange("first", "middle")) {
      assertEquals(List.of("first", "relu", "middle"), model.frozenLayers());
      model.compile(new Sgd(0.1), Loss.sparseCategoricalCrossEntropy());
      try (Model read = Model.fromBytes(model.toBytes(), Engine.create());
          Model copy = model.copy();
          Tensor x = TestTensors.random(4, 2, 6);
          Tensor y = Tensor.of(new float[] {2, 0}, 2)) {
        assertEquals(model.frozenLayers(), read.frozenLayers());
        assertEquals(model.frozenLayers(), copy.frozenLayers());
        float[] before = floats(read.parameters(), read.parameterCount());
        read.trainStep(x, y);
        int frozenEnd = 6 * 8 + 8 + 8 * 8 + 8;
        assertBitwiseEqual(
            java.util.Arrays.copyOf(before, frozenEnd),
            floats(read.parameters(), frozenEnd),
            "frozen weights of the model read back");
        assertNotEquals(before[frozenEnd], read.parameters().get(frozenEnd));
      }
      model.unfreeze("relu", "first");
      assertEquals(List.of("middle"), model.frozenLayers());
    }
  }

  @Test
  void namesThatAreNotLayersFailNamingTheLayers() {
    try (Model model = threeDense()) {
      OrcaConfigurationException unknown =
          assertThrows(OrcaConfigurationException.class, () -> model.freeze("midle"));
      assertTrue(
          unknown.getMessage().contains("no layer 'midle'")
              && unknown.getMessage().contains("[first, relu, middle, last]"),
          unknown.getMessage());
      OrcaConfigurationException input =
          assertThrows(OrcaConfigurationException.class, () -> model.freezeUpTo("input"));
      assertTrue(input.getMessage().contains("'input' is an input"), input.getMessage());
      OrcaConfigurationException reversed =
          assertThrows(OrcaConfigurationException.class, () -> model.freezeRange("last", "first"));
      assertTrue(reversed.getMessage().contains("comes after 'first'"), reversed.getMessage());
      assertEquals(List.of(), model.frozenLayers(), "a failed call freezes nothing");
    }
  }
}

package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.orca.nn.internal.NativeMemory;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/**
 * Moving a model's gradients into memory of the caller's (where the workers of a host sum them in
 * place): training goes on bit for bit as before, and backward writes into the new memory.
 */
class MoveGradientsTest {
  private static Model cnn() {
    return new Sequential(8, 8, 1)
        .add(new Conv2D(4, 3))
        .add(new ReLU())
        .add(new MaxPool2D(2))
        .add(new Flatten())
        .add(new Dense(3))
        .optSeed(11)
        .build();
  }

  @Test
  void trainingAfterTheMoveIsBitForBitTheSameAndWritesIntoTheNewMemory() {
    try (Model moved = cnn();
        Model plain = cnn();
        Tensor x = TestTensors.random(5, 6, 8, 8, 1);
        Tensor y = Tensor.of(new float[] {0, 1, 2, 1, 0, 2}, 6)) {
      moved.compile(new Sgd(0.05, 0.9), Loss.sparseCategoricalCrossEntropy());
      plain.compile(new Sgd(0.05, 0.9), Loss.sparseCategoricalCrossEntropy());
      moved.trainStep(x, y);
      plain.trainStep(x, y);
      int n = moved.parameterCount();
      FloatBuffer target =
          ByteBuffer.allocateDirect((n + 3) * Float.BYTES)
              .order(ByteOrder.nativeOrder())
              .asFloatBuffer()
              .position(3);
      moved.moveGradientsTo(target);
      assertEquals(NativeMemory.address(target), moved.gradientsAddress());
      for (int i = 0; i < n; i++) {
        assertEquals(plain.gradients().get(i), target.get(3 + i), 0f, "copied gradient " + i);
      }
      for (int s = 0; s < 3; s++) {
        moved.trainStep(x, y);
        plain.trainStep(x, y);
      }
      for (int i = 0; i < n; i++) {
        assertEquals(
            Float.floatToRawIntBits(plain.parameters().get(i)),
            Float.floatToRawIntBits(moved.parameters().get(i)),
            "parameter " + i);
        assertEquals(
            Float.floatToRawIntBits(plain.gradients().get(i)),
            Float.floatToRawIntBits(target.get(3 + i)),
            "backward wrote gradient " + i + " into the new memory");
      }
    }
  }

  @Test
  void aTargetThatCannotHoldTheGradientsIsRefused() {
    try (Model m = cnn()) {
      FloatBuffer small =
          ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asFloatBuffer();
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> m.moveGradientsTo(small));
      assertEquals(true, e.getMessage().contains(m.parameterCount() + " floats"), e.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> m.moveGradientsTo(FloatBuffer.allocate(m.parameterCount())));
    }
  }
}

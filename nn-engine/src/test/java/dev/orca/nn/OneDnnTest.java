package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.internal.dnnl.Dnnl;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.GRU;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Sgd;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which layers run on oneDNN (and that the others, and every layer with oneDNN off, do not), that
 * its primitives keep no state from one step into the next, what a CNN step runs, and that each
 * engine's thread count reaches oneDNN. Agreement with the reference kernels and gradient checks
 * are in {@link BackendAgreementTest} and {@link GradientCheckTest}.
 */
class OneDnnTest {
  /** The layer cases whose computation oneDNN takes over. */
  private static final List<String> ON_ONEDNN =
      List.of(
          "Conv2D",
          "Conv1D",
          "MaxPool2D",
          "AveragePool2D",
          "BatchNorm",
          "LSTM",
          "GRU",
          "TimeDistributed Conv2D");

  static Stream<LayerCases.Case> cases() {
    return LayerCases.all();
  }

  private static boolean onOneDnn(LayerCases.Case c) {
    return ON_ONEDNN.stream().anyMatch(c.name::startsWith);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void convolutionPoolingNormalisationAndRecurrentLayersRunOnOneDnn(LayerCases.Case c) {
    Tensor[] inputs = c.inputs(3);
    try {
      long withDnnl = primitivesOfAStep(c, LayerCases.Engines.ONEDNN, inputs);
      long without = primitivesOfAStep(c, LayerCases.Engines.MKL, inputs);
      assertEquals(0, without, c + " with oneDNN off");
      if (onOneDnn(c)) {
        assertTrue(withDnnl >= 2, c + " ran " + withDnnl + " oneDNN primitives in a step");
      } else {
        assertEquals(0, withDnnl, c + " is not one of oneDNN's");
      }
    } finally {
      close(inputs);
    }
  }

  private static long primitivesOfAStep(
      LayerCases.Case c, LayerCases.Engines engine, Tensor[] inputs) {
    try (Model m = c.model(engine.engine(2))) {
      Tensor out = m.forward(true, inputs)[0];
      try (Tensor g = Tensor.zeros(out.shape()).fill(0.5f)) {
        long before = Dnnl.runs();
        m.forward(true, inputs);
        m.backward(g);
        return Dnnl.runs() - before;
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aSecondStepGivesTheSameOutputsAndGradients(LayerCases.Case c) {
    Tensor[] inputs = c.inputs(4);
    try (Model m = c.model(LayerCases.Engines.ONEDNN.engine(2))) {
      float[][] first = step(m, inputs, c.kind != LayerCases.Inputs.IDS);
      float[][] second = step(m, inputs, c.kind != LayerCases.Inputs.IDS);
      for (int i = 0; i < first.length; i++) {
        assertArrayEquals(first[i], second[i], 1e-6f, c + ": result " + i + " changed");
      }
    } finally {
      close(inputs);
    }
  }

  /** Output, parameter gradients and input gradients of one training forward and backward. */
  private static float[][] step(Model m, Tensor[] inputs, boolean inputGradients) {
    m.setStepSeed(5);
    Tensor out = m.forward(true, inputs)[0];
    float[][] r = new float[2 + inputs.length][];
    r[0] = out.toArray();
    try (Tensor g = Tensor.zeros(out.shape()).fill(0.25f)) {
      m.backward(g);
    }
    r[1] = m.gradientTensor().toArray();
    for (int k = 0; k < inputs.length; k++) {
      r[2 + k] = inputGradients ? m.inputGradient(k).toArray() : new float[0];
    }
    return r;
  }

  /**
   * Backward after an inference forward (no training state kept by oneDNN) falls back to the
   * reference kernels and gives their gradients.
   */
  @Test
  void backwardAfterAnInferenceForwardMatchesTheReference() {
    List<Supplier<Layer>> layers =
        List.of(() -> new LSTM(4), () -> new GRU(3, true, true), BatchNorm::new);
    for (Supplier<Layer> layer : layers) {
      LayerCases.Case c =
          new LayerCases.Case(
              layer.get().getClass().getSimpleName(),
              layer,
              LayerCases.Inputs.SMOOTH,
              Shape.of(5, 3));
      Tensor[] inputs = c.inputs(7);
      try (Model dnnl = c.model(LayerCases.Engines.ONEDNN.engine(2));
          Model reference = c.model(LayerCases.Engines.JAVA.engine(2))) {
        float[][] results = new float[2][];
        Model[] models = {dnnl, reference};
        for (int i = 0; i < 2; i++) {
          Tensor out = models[i].forward(false, inputs)[0];
          try (Tensor g = Tensor.zeros(out.shape()).fill(0.5f)) {
            models[i].backward(g);
          }
          results[i] = models[i].gradientTensor().toArray();
        }
        BackendAgreementTest.assertClose(results[0], results[1], c + " gradients");
      } finally {
        close(inputs);
      }
    }
  }

  /**
   * The CNN: one training step runs its six oneDNN primitives (no input gradient for the
   * first layer), the same reorders every step, and trains like the reference kernels.
   */
  @Test
  void aCnnStepRunsItsPrimitivesAndTheSameReordersEveryStep() {
    try (Tensor x = TestTensors.random(8 * 28 * 28, 8, 28, 28, 1);
        Tensor y = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
        Model dnnl = cnn(LayerCases.Engines.ONEDNN.engine(2));
        Model reference = cnn(LayerCases.Engines.MKL.engine(2))) {
      dnnl.trainStep(x, y);
      reference.trainStep(x, y);
      long[] runs = new long[3];
      long[] reorders = new long[3];
      for (int s = 0; s < 3; s++) {
        long r0 = Dnnl.runs();
        long o0 = Dnnl.reorders();
        dnnl.trainStep(x, y);
        reference.trainStep(x, y);
        runs[s] = Dnnl.runs() - r0;
        reorders[s] = Dnnl.reorders() - o0;
      }
      System.out.printf(
          "CNN step on oneDNN: %d primitives, %d reorders per step%n", runs[0], reorders[0]);
      assertEquals(
          6,
          runs[0],
          "conv forward, ReLU forward, pool forward, pool backward, ReLU backward, conv"
              + " backward-weights");
      assertEquals(runs[0], runs[2]);
      assertEquals(reorders[0], reorders[2], "reorders per step");
      assertTrue(reorders[0] <= 2, reorders[0] + " reorders: the kernel in and its gradient out");
      BackendAgreementTest.assertClose(
          dnnl.parameterTensor().toArray(),
          reference.parameterTensor().toArray(),
          "weights after 4 SGD steps");
    }
  }

  private static Model cnn(Engine engine) {
    Model m =
        new Sequential(28, 28, 1)
            .add(new Conv2D(32, 3))
            .add(new ReLU())
            .add(new MaxPool2D(2))
            .add(new Flatten())
            .add(new Dense(10))
            .optSeed(4)
            .optEngine(engine)
            .build();
    m.compile(new Sgd(0.05, 0.9), Loss.sparseCategoricalCrossEntropy());
    return m;
  }

  /** ReLU over a large batch runs on oneDNN's eltwise primitives and agrees with the Java loop. */
  @Test
  void largeReluRunsOnOneDnnAndAgreesWithJava() {
    LayerCases.Case c =
        new LayerCases.Case("ReLU large", ReLU::new, LayerCases.Inputs.SMOOTH, Shape.of(20, 1000));
    Tensor[] inputs = c.inputs(9);
    try (Model dnnl = c.model(LayerCases.Engines.ONEDNN.engine(2));
        Model java = c.model(LayerCases.Engines.JAVA.engine(2))) {
      assertTrue(primitivesOfAStep(c, LayerCases.Engines.ONEDNN, inputs) == 2, "forward, backward");
      float[][] a = step(dnnl, inputs, true);
      float[][] b = step(java, inputs, true);
      for (int i = 0; i < a.length; i++) {
        assertArrayEquals(b[i], a[i], 0f, "ReLU result " + i);
      }
    } finally {
      close(inputs);
    }
  }

  @Test
  void eachReplicaSetsOneDnnThreadsForItsOwnThread() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Tensor x = TestTensors.random(4 * 8 * 8 * 2, 4, 8, 8, 2)) {
      Future<float[]> one = pool.submit(() -> convolve(1, x));
      Future<float[]> two = pool.submit(() -> convolve(2, x));
      assertArrayEquals(one.get(60, TimeUnit.SECONDS), two.get(60, TimeUnit.SECONDS), 1e-5f);
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static float[] convolve(int threads, Tensor x) {
    try (Model m =
        new Sequential(8, 8, 2)
            .add(new Conv2D(4, 3))
            .optEngine(LayerCases.Engines.ONEDNN.engine(threads))
            .optSeed(3)
            .build()) {
      float[] out = m.forward(x, false).toArray();
      assertEquals(threads, Dnnl.threadsOnThisThread(), "OpenMP threads on the replica's thread");
      return out;
    }
  }

  private static void close(Tensor[] ts) {
    for (Tensor t : ts) {
      t.close();
    }
  }
}

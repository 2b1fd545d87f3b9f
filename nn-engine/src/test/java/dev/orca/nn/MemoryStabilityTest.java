package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.GRU;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Adam;
import java.lang.management.ManagementFactory;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Long training loops hold their memory flat: native (JavaCPP's count and the process RSS) and
 * heap, with convolution, batch norm, pooling and recurrent layers on oneDNN (whose primitives,
 * scratchpads and reordered kernels are made by the first step and reused). The first step's
 * allocations are printed.
 */
class MemoryStabilityTest {
  private static final int STEPS = 10_000;

  /** The models whose steps are held flat: convolution and recurrent layers, on oneDNN. */
  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(
            "conv + batch norm + pool",
            (Supplier<Model>)
                () ->
                    new Sequential(6, 6, 1)
                        .add(new Conv2D(4, 3))
                        .add(new BatchNorm())
                        .add(new ReLU())
                        .add(new MaxPool2D(2))
                        .add(new Flatten())
                        .add(new Dense(16))
                        .add(new ReLU())
                        .add(new Dropout(0.2f))
                        .add(new Dense(3))
                        .optSeed(1)
                        .build(),
            new int[] {32, 6, 6, 1}),
        Arguments.of(
            "LSTM + GRU",
            (Supplier<Model>)
                () ->
                    new Sequential(12, 4)
                        .add(new LSTM(16, true))
                        .add(new GRU(8))
                        .add(new Dense(3))
                        .optSeed(1)
                        .build(),
            new int[] {32, 12, 4}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void tenThousandTrainingStepsDoNotGrowHeapOrNativeMemory(
      String name, Supplier<Model> model, int[] dims) {
    heapAfterGc(); // what earlier tests left to the collector is not this test's memory
    long nativeAtStart = Pointer.totalBytes();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int size = 1;
    for (int d : dims) {
      size *= d;
    }
    try (Model m = model.get();
        Tensor x = TestTensors.random(size, dims);
        Tensor y = labels(dims[0])) {
      assertTrue(m.engine().dnnl() || !Engine.dnnlAvailable(), "the default engine uses oneDNN");
      m.compile(new Adam(1e-3), Loss.sparseCategoricalCrossEntropy());
      long nativeBefore = Pointer.totalBytes();
      long heapBefore = threads.getCurrentThreadAllocatedBytes();
      m.trainStep(x, y);
      System.out.printf(
          "%s: the first step allocates %d native bytes (workspace, primitives, optimizer state)"
              + " and %d heap bytes%n",
          name,
          Pointer.totalBytes() - nativeBefore,
          threads.getCurrentThreadAllocatedBytes() - heapBefore);
      for (int i = 1; i < 1000; i++) {
        m.trainStep(x, y);
      }
      long heapWarm = heapAfterGc();
      long nativeWarm = Pointer.totalBytes();
      long rssWarm = Pointer.physicalBytes();
      long allocated = threads.getCurrentThreadAllocatedBytes();
      for (int i = 1000; i < STEPS; i++) {
        m.trainStep(x, y);
      }
      double bytesPerStep =
          (threads.getCurrentThreadAllocatedBytes() - allocated) / (double) (STEPS - 1000);
      long heapEnd = heapAfterGc();
      long nativeEnd = Pointer.totalBytes();
      long rssEnd = Pointer.physicalBytes();
      System.out.printf(
          "%s: native %d -> %d bytes, RSS %d -> %d MiB, heap %d -> %d KiB, %.1f heap bytes"
              + " allocated per step%n",
          name,
          nativeWarm,
          nativeEnd,
          rssWarm >> 20,
          rssEnd >> 20,
          heapWarm >> 10,
          heapEnd >> 10,
          bytesPerStep);
      // not growing: a pointer an earlier test class dropped may be freed by the collector
      // meanwhile
      assertTrue(
          nativeEnd <= nativeWarm,
          name
              + ": native bytes allocated through JavaCPP grew from "
              + nativeWarm
              + " to "
              + nativeEnd);
      assertTrue(
          rssEnd - rssWarm < 24L << 20,
          name + ": process RSS grew " + ((rssEnd - rssWarm) >> 20) + " MiB");
      assertTrue(
          heapEnd - heapWarm < 2L << 20,
          name + ": heap after GC grew " + ((heapEnd - heapWarm) >> 10) + " KiB");
      assertTrue(bytesPerStep < 8, name + ": a step allocates " + bytesPerStep + " heap bytes");
    }
    assertTrue(
        Pointer.totalBytes() <= nativeAtStart,
        name
            + ": closing the model and tensors frees everything, but "
            + (Pointer.totalBytes() - nativeAtStart)
            + " bytes are left");
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static Tensor labels(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i % 3;
    }
    return Tensor.of(v, n);
  }
}

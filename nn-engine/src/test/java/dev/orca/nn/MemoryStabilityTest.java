package dev.orca.nn;

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
import dev.orca.nn.optim.Adam;
import java.lang.management.ManagementFactory;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * Long training loops hold their memory flat: native (JavaCPP's count and the process RSS) and
 * heap.
 */
class MemoryStabilityTest {
  private static final int STEPS = 10_000;

  @Test
  void tenThousandTrainingStepsDoNotGrowHeapOrNativeMemory() {
    long nativeAtStart = Pointer.totalBytes();
    try (Model m =
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
                .build();
        Tensor x = TestTensors.random(32 * 36, 32, 6, 6, 1);
        Tensor y = labels(32)) {
      m.compile(new Adam(1e-3), Loss.sparseCategoricalCrossEntropy());
      for (int i = 0; i < 1000; i++) {
        m.trainStep(x, y);
      }
      long nativeWarm = Pointer.totalBytes();
      long rssWarm = Pointer.physicalBytes();
      long heapWarm = heapAfterGc();
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long allocated = threads.getCurrentThreadAllocatedBytes();
      for (int i = 1000; i < STEPS; i++) {
        m.trainStep(x, y);
      }
      double bytesPerStep =
          (threads.getCurrentThreadAllocatedBytes() - allocated) / (double) (STEPS - 1000);
      long nativeEnd = Pointer.totalBytes();
      long rssEnd = Pointer.physicalBytes();
      long heapEnd = heapAfterGc();
      System.out.printf(
          "native %d -> %d bytes, RSS %d -> %d MiB, heap %d -> %d KiB, %.1f heap bytes allocated per step%n",
          nativeWarm,
          nativeEnd,
          rssWarm >> 20,
          rssEnd >> 20,
          heapWarm >> 10,
          heapEnd >> 10,
          bytesPerStep);
      assertEquals(nativeWarm, nativeEnd, "native bytes allocated through JavaCPP");
      assertTrue(
          rssEnd - rssWarm < 24L << 20, "process RSS grew " + ((rssEnd - rssWarm) >> 20) + " MiB");
      assertTrue(
          heapEnd - heapWarm < 2L << 20,
          "heap after GC grew " + ((heapEnd - heapWarm) >> 10) + " KiB");
      assertTrue(bytesPerStep < 8, "a step allocates " + bytesPerStep + " heap bytes");
    }
    assertEquals(
        nativeAtStart, Pointer.totalBytes(), "closing the model and tensors frees everything");
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

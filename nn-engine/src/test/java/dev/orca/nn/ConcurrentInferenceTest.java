package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.ReLU;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One loaded model, many threads predicting at once, each getting exactly its own answers. */
class ConcurrentInferenceTest {
  @Test
  void manyThreadsPredictOnOneLoadedModelAndGetTheSingleThreadedAnswers() throws Exception {
    java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
    try (Model built =
        new Sequential(4, 4, 2)
            .add(new Conv2D(3, 3))
            .add(new BatchNorm())
            .add(new ReLU())
            .add(new Flatten())
            .add(new Dense(12))
            .add(new Dropout(0.5f))
            .add(new Dense(5))
            .optSeed(4)
            .build()) {
      built.save(file);
    }
    try (Model m = Model.load(new java.io.ByteArrayInputStream(file.toByteArray()))) {
      int batches = 24;
      List<Tensor> inputs = new ArrayList<>();
      List<float[]> expected = new ArrayList<>();
      for (int b = 0; b < batches; b++) {
        Tensor x = TestTensors.random(b, 1 + b % 7, 4, 4, 2);
        inputs.add(x);
        try (Tensor y = m.predict(x)) {
          expected.add(y.toArray());
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
          int offset = t;
          results.add(
              pool.submit(
                  () -> {
                    int checked = 0;
                    for (int round = 0; round < 40; round++) {
                      int b = (round * 7 + offset) % batches;
                      try (Tensor y = m.predict(inputs.get(b))) {
                        float[] got = y.toArray();
                        for (int i = 0; i < got.length; i++) {
                          if (Math.abs(got[i] - expected.get(b)[i])
                              > 1e-5f * (1 + Math.abs(expected.get(b)[i]))) {
                            throw new AssertionError(
                                "batch "
                                    + b
                                    + " element "
                                    + i
                                    + ": "
                                    + got[i]
                                    + " vs "
                                    + expected.get(b)[i]);
                          }
                        }
                        checked++;
                      }
                    }
                    return checked;
                  }));
        }
        int total = 0;
        for (Future<Integer> f : results) {
          total += f.get(60, TimeUnit.SECONDS);
        }
        assertEquals(240, total);
      } finally {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
      }
      for (Tensor t : inputs) {
        t.close();
      }
    }
  }

  @Test
  void closeWaitsForRunningPredictionsAndThenRefusesNewOnes() throws Exception {
    long before = org.bytedeco.javacpp.Pointer.totalBytes();
    Model m = new Sequential(64).add(new Dense(256)).add(new ReLU()).add(new Dense(10)).build();
    Tensor x = TestTensors.random(1, 128, 64);
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> served =
          pool.submit(
              () -> {
                int n = 0;
                try {
                  while (true) {
                    m.predict(x).close();
                    n++;
                    started.countDown();
                  }
                } catch (dev.orca.OrcaException e) {
                  assertTrue(e.getMessage().contains("closed"), e.getMessage());
                  return n;
                }
              });
      assertTrue(started.await(30, TimeUnit.SECONDS));
      m.close();
      assertTrue(served.get(30, TimeUnit.SECONDS) > 0);
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
      x.close();
    }
    assertEquals(before, org.bytedeco.javacpp.Pointer.totalBytes(), "all workspaces freed");
  }

  @Test
  void predictIntoACallersTensorServesSequences() {
    try (Model m = new Sequential(5, 3).add(new LSTM(4)).add(new Dense(2)).optSeed(2).build();
        Tensor x = TestTensors.random(9, 3, 5, 3);
        Tensor out = Tensor.zeros(3, 2);
        Tensor reference = m.predict(x)) {
      m.predictInto(x, out);
      for (int i = 0; i < out.size(); i++) {
        assertEquals(reference.get(i), out.get(i), 0f);
      }
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean)
              java.lang.management.ManagementFactory.getThreadMXBean();
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 200; i++) {
        m.predictInto(x, out);
      }
      double perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 200.0;
      assertTrue(perCall < 8, "predictInto allocates " + perCall + " heap bytes per call");
    }
  }
}

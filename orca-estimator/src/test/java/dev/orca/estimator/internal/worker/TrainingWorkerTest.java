package dev.orca.estimator.internal.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orca.collective.RingOptions;
import dev.orca.estimator.CpuPinning;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Sgd;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workers as threads of this JVM on a real loopback ring: the core of both backends. */
class TrainingWorkerTest {
  private static final int ROWS = 1000;
  private static final int WIDTH = 20;
  private Tensor features;
  private Tensor labels;

  @BeforeEach
  void data() {
    Random r = new Random(3);
    float[] x = new float[ROWS * WIDTH];
    float[] y = new float[ROWS];
    for (int i = 0; i < ROWS; i++) {
      double s0 = 0;
      double s1 = 0;
      for (int j = 0; j < WIDTH; j++) {
        float v = (float) r.nextGaussian();
        x[i * WIDTH + j] = v;
        s0 += j < 10 ? v : 0;
        s1 += j % 3 == 0 ? v : 0;
      }
      y[i] = s0 > 1 ? 2 : s1 > 0 ? 1 : 0;
    }
    features = Tensor.of(x, ROWS, WIDTH);
    labels = Tensor.of(y, ROWS, 1);
  }

  @AfterEach
  void free() {
    features.close();
    labels.close();
  }

  private static byte[] modelFile() throws Exception {
    try (Model m =
        new Sequential(WIDTH)
            .add(new Dense(16))
            .add(new ReLU())
            .add(new Dense(3))
            .optSeed(7)
            .build()) {
      m.compile(new Sgd(0.1), Loss.sparseCategoricalCrossEntropy(), Metric.accuracy());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      m.save(out);
      return out.toByteArray();
    }
  }

  /** Splits the rows into {@code workers} contiguous parts, as partitions would be. */
  private LocalData part(int worker, int workers) {
    int from = ROWS * worker / workers;
    int to = ROWS * (worker + 1) / workers;
    return new LocalData(
        WIDTH,
        1,
        List.of(new LocalData.Block(features.rows(from, to), labels.rows(from, to), from)));
  }

  private float[][] train(int workers, int epochs) throws Exception {
    return train(workers, epochs, CpuPinning.OFF, new Seen[workers]);
  }

  /**
   * What the thread that trains a worker saw: its CPUs before the ring formed, at every step and
   * after the epochs, and the worker's transport line.
   */
  private record Seen(String before, Set<String> during, String after, String transport) {}

  private float[][] train(int workers, int epochs, CpuPinning pinning, Seen[] seen)
      throws Exception {
    byte[] file = modelFile();
    String secret = RingOptions.randomSecret();
    List<TrainingWorker> ws = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      TrainingWorker worker = TrainingWorker.create(file, 1);
      ws.add(worker);
      addresses.add(worker.openRing(RingOptions.builder().setSecret(secret).build()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int rank = w;
        results.add(
            pool.submit(
                () -> {
                  TrainingWorker worker = ws.get(rank);
                  String before = CpuPlanTest.allowedCpus();
                  worker.connectRing(addresses, rank, pinning);
                  BatchPlan plan = new BatchPlan(ROWS, 64, true, 11);
                  LocalData data = part(rank, workers);
                  Set<String> during = ConcurrentHashMap.newKeySet();
                  for (int e = 0; e < epochs; e++) {
                    worker.trainEpoch(
                        data,
                        plan,
                        e,
                        (ep, step, steps, sums) -> during.add(CpuPlanTest.allowedCpus()));
                  }
                  seen[rank] =
                      new Seen(before, during, CpuPlanTest.allowedCpus(), worker.transport());
                  float[] weights = new float[worker.model().parameterCount()];
                  worker.model().parameters().get(0, weights);
                  return weights;
                }));
      }
      float[][] out = new float[workers][];
      for (int w = 0; w < workers; w++) {
        out[w] = results.get(w).get();
      }
      return out;
    } finally {
      pool.shutdownNow();
      ws.forEach(TrainingWorker::close);
    }
  }

  @Test
  void oneTwoAndFourWorkersEndAnEpochWithTheSameWeights() throws Exception {
    float[] one = train(1, 1)[0];
    for (int workers : new int[] {2, 4}) {
      float[][] many = train(workers, 1);
      for (int w = 0; w < workers; w++) {
        assertEquals(
            0,
            maxRelativeDifference(one, many[w]),
            1e-4,
            workers + " workers, worker " + w + " differs from 1 worker");
      }
    }
  }

  @Test
  void workersLearnAndAgreeOnEpochFigures() throws Exception {
    float[][] weights = train(2, 5);
    assertEquals(
        0, maxRelativeDifference(weights[0], weights[1]), 0, "replicas must stay identical");
  }

  @Test
  void pinnedWorkersTrainEachOnACpuOfItsOwnToTheSameBitsAndGiveTheCpusBack() throws Exception {
    assumeTrue(ThreadAffinity.unavailable() == null, ThreadAffinity.unavailable());
    BitSet mask = ThreadAffinity.get(ThreadAffinity.currentThreadId());
    assumeTrue(mask.cardinality() >= 2, "2 workers on a CPU each need 2 CPUs, this process has 1");
    Seen[] seen = new Seen[2];
    float[][] pinned = train(2, 2, CpuPinning.ON, seen);
    float[][] free = train(2, 2, CpuPinning.OFF, new Seen[2]);
    int cpu = mask.nextSetBit(0);
    for (int w = 0; w < 2; w++) {
      assertArrayEquals(
          free[w], pinned[w], "pinning changes where, not what, worker " + w + " computes");
      assertEquals(
          Set.of(Integer.toString(cpu)), seen[w].during(), "worker " + w + "'s CPUs in its steps");
      assertEquals(
          seen[w].before(), seen[w].after(), "worker " + w + "'s thread gets its CPUs back");
      assertTrue(
          seen[w]
              .transport()
              .endsWith(
                  "; pinned to CPU "
                      + cpu
                      + " (worker "
                      + (w + 1)
                      + " of 2 workers on this host, which has CPUs "
                      + CpuPlan.list(mask)
                      + ")"),
          seen[w].transport());
      cpu = mask.nextSetBit(cpu + 1);
    }
  }

  static double maxRelativeDifference(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      double scale = Math.max(1e-3, Math.max(Math.abs(a[i]), Math.abs(b[i])));
      max = Math.max(max, Math.abs(a[i] - b[i]) / scale);
    }
    assertTrue(Double.isFinite(max));
    return max;
  }
}

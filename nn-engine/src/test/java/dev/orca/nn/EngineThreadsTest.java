package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orca.nn.internal.MklBlas;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Replicas on different threads keep their own MKL thread counts and still agree on results. */
class EngineThreadsTest {
  @Test
  void eachReplicaSetsMklThreadsForItsOwnThread() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Tensor x = Tensor.zeros(16, 32).fill(0.25f)) {
      int before = MklBlas.threadsOnThisThread();
      Future<float[]> one = pool.submit(() -> run(1, x));
      Future<float[]> two = pool.submit(() -> run(2, x));
      assertArrayEquals(one.get(60, TimeUnit.SECONDS), two.get(60, TimeUnit.SECONDS), 1e-5f);
      assertEquals(before, MklBlas.threadsOnThisThread(), "the caller's own setting is untouched");
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static float[] run(int threads, Tensor x) {
    try (Model m =
        new Sequential(32)
            .add(new Dense(64))
            .add(new ReLU())
            .add(new Dense(8))
            .optEngine(Engine.of(Engine.Backend.MKL, threads))
            .optSeed(3)
            .build()) {
      float[] out = m.forward(x, false).toArray();
      assertEquals(threads, MklBlas.threadsOnThisThread(), "MKL threads on the replica's thread");
      return out;
    }
  }
}

package dev.orca.collective;

import static dev.orca.collective.RingHarness.closeAll;
import static dev.orca.collective.RingHarness.form;
import static dev.orca.collective.RingHarness.onEach;
import static dev.orca.collective.RingHarness.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bits of a sum do not depend on how the floats move: every transport folds each element in
 * rank order, {@code ((x0 + x1) + x2) + ...}. The values have mixed magnitudes, so any other order
 * of the additions would show in the result.
 */
class TransportEqualityTest {
  /** 1024 floats a chunk: the buffer spans many chunks, more than a shared-memory window. */
  private static final int CHUNK_BYTES = 4096;

  static final int SIZE = 70_001;

  static float value(int rank, int step, int i) {
    return (float) (Math.sin(i * 0.37 + rank * 1.3 + step) * Math.scalb(1.0, (i + rank) % 23 - 11));
  }

  /** The sum each element must have: folded in rank order, in float. */
  static float[] rankOrderFold(int n, int step) {
    float[] sum = new float[SIZE];
    for (int i = 0; i < SIZE; i++) {
      float acc = value(0, step, i);
      for (int r = 1; r < n; r++) {
        acc += value(r, step, i);
      }
      sum[i] = acc;
    }
    return sum;
  }

  @Test
  void theValuesTellTheOrderOfTheAdditionsApart() {
    int differ = 0;
    float[] fold = rankOrderFold(4, 0);
    for (int i = 0; i < SIZE; i++) {
      float pairs = (value(0, 0, i) + value(1, 0, i)) + (value(2, 0, i) + value(3, 0, i));
      float rotated = ((value(2, 0, i) + value(3, 0, i)) + value(0, 0, i)) + value(1, 0, i);
      differ += (pairs != fold[i] ? 1 : 0) + (rotated != fold[i] ? 1 : 0);
    }
    assertTrue(differ > 1000, "only " + differ + " elements tell the orders apart");
  }

  @ParameterizedTest(name = "{0} workers")
  @ValueSource(ints = {2, 4})
  void everyTransportGivesTheBitsOfTheRankOrderFold(int n) throws Exception {
    for (Transport transport : Transport.values()) {
      List<RingAllReduce> rings = form(n, transport, b -> b.optChunkBytes(CHUNK_BYTES));
      try {
        Transport expected = transport == Transport.AUTO ? Transport.IN_JVM : transport;
        for (RingAllReduce r : rings) {
          assertEquals(expected, r.transport(), r.placement());
        }
        List<float[][]> results = onEach(rings, TransportEqualityTest::twoSteps);
        for (int step = 0; step < 2; step++) {
          float[] fold = rankOrderFold(n, step);
          for (int r = 0; r < n; r++) {
            assertArrayEquals(
                fold, results.get(r)[step], transport + ", worker " + r + ", step " + step);
          }
        }
      } finally {
        closeAll(rings);
      }
    }
  }

  @Test
  void threeHostsOfTwoGiveTheSameBits() throws Exception {
    int n = 6;
    List<RingAllReduce> rings =
        form(
            n,
            Transport.HIERARCHICAL,
            rank -> "host" + rank / 2,
            b -> b.optChunkBytes(CHUNK_BYTES));
    try {
      assertEquals(
          "3 hosts: ranks 0..1 in one JVM, ranks 2..3 in one JVM, ranks 4..5 in one JVM;"
              + " TCP between hosts",
          rings.get(0).placement());
      List<float[][]> results = onEach(rings, TransportEqualityTest::twoSteps);
      for (int step = 0; step < 2; step++) {
        float[] fold = rankOrderFold(n, step);
        for (int r = 0; r < n; r++) {
          assertArrayEquals(fold, results.get(r)[step], "worker " + r + ", step " + step);
        }
      }
    } finally {
      closeAll(rings);
    }
  }

  /**
   * Step 0 marks ranges ready from the end, as backward does (uneven, some smaller than a chunk);
   * step 1 is one blocking call on the same buffer.
   */
  static float[][] twoSteps(int rank, RingAllReduce ring) {
    return twoSteps(rank, ring, RingHarness.direct(SIZE));
  }

  /** The two steps on {@code buf} (at least {@link #SIZE} floats from index 0). */
  static float[][] twoSteps(int rank, RingAllReduce ring, FloatBuffer buf) {
    float[][] out = new float[2][];
    for (int i = 0; i < SIZE; i++) {
      buf.put(i, value(rank, 0, i));
    }
    PendingReduce p = ring.startAllReduce(buf);
    int[] cuts = {SIZE, 61_000, 60_999, 33_333, 2_000, 1_999, 0};
    for (int c = 0; c + 1 < cuts.length; c++) {
      p.ready(cuts[c + 1], cuts[c]);
    }
    p.await();
    out[0] = toArray(buf);
    for (int i = 0; i < SIZE; i++) {
      buf.put(i, value(rank, 1, i));
    }
    ring.allReduce(buf);
    out[1] = toArray(buf);
    return out;
  }
}

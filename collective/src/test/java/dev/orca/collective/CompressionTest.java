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
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Compression narrows what crosses the network: these rings are forced onto TCP. */
class CompressionTest {

  private static float randomValue(int rank, int i) {
    return (float) (new SplittableRandom(rank * 1_000_003L + i).nextDouble() * 2 - 1);
  }

  @ParameterizedTest(name = "{0} workers, {1}")
  @CsvSource({"2, FP16", "3, FP16", "5, FP16", "2, BF16", "3, BF16", "5, BF16"})
  void smallIntegersStayExact(int n, Compression compression) throws Exception {
    int size = 3001;
    List<RingAllReduce> rings =
        form(n, Transport.TCP, b -> b.optChunkBytes(1024).optCompression(compression));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = RingHarness.direct(size);
                for (int i = 0; i < size; i++) {
                  buf.put(
                      i,
                      (i * 7 + rank * 3) % 41 - 20); // |partial sums| <= 100: exact in both formats
                }
                ring.allReduce(buf);
                return toArray(buf);
              });
      for (int i = 0; i < size; i++) {
        float expected = 0;
        for (int r = 0; r < n; r++) {
          expected += (i * 7 + r * 3) % 41 - 20;
        }
        for (int r = 0; r < n; r++) {
          assertEquals(expected, results.get(r)[i], "worker " + r + " element " + i);
        }
      }
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest(name = "{0} workers, {1}")
  @CsvSource({"2, FP16", "4, FP16", "2, BF16", "4, BF16"})
  void randomValuesWithinTheFormatsPrecisionAndIdenticalEverywhere(int n, Compression compression)
      throws Exception {
    int size = 20_011;
    // each of the n - 1 hops and the final copy round once, by at most half a unit in the last
    // place
    double unit = compression == Compression.FP16 ? 0x1p-11 : 0x1p-8;
    List<RingAllReduce> rings =
        form(n, Transport.TCP, b -> b.optChunkBytes(2048).optCompression(compression));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = RingHarness.direct(size);
                for (int i = 0; i < size; i++) {
                  buf.put(i, randomValue(rank, i));
                }
                ring.allReduce(buf);
                return toArray(buf);
              });
      double worst = 0;
      for (int i = 0; i < size; i++) {
        double exact = 0;
        double magnitude = 0;
        for (int r = 0; r < n; r++) {
          exact += randomValue(r, i);
          magnitude += Math.abs(randomValue(r, i));
        }
        double error = Math.abs(results.get(0)[i] - exact);
        assertTrue(
            error <= n * unit * magnitude,
            "element " + i + ": " + results.get(0)[i] + " vs " + exact);
        worst = Math.max(worst, error / magnitude);
      }
      assertTrue(worst > 0, "the values did travel compressed");
      for (int r = 1; r < n; r++) {
        assertArrayEquals(results.get(0), results.get(r), "worker " + r + " has other bits");
      }
    } finally {
      closeAll(rings);
    }
  }

  /** 40000 + 40000: beyond fp16's 65504; bf16 keeps the range, with 8 significant bits. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"FP16, Infinity", "BF16, 79872"})
  void fp16OverflowsWhereBf16DoesNot(Compression compression, float expected) throws Exception {
    List<RingAllReduce> rings = form(2, Transport.TCP, b -> b.optCompression(compression));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = RingHarness.direct(4);
                for (int i = 0; i < 4; i++) {
                  buf.put(i, 40_000);
                }
                ring.allReduce(buf);
                return toArray(buf);
              });
      for (float[] r : results) {
        for (float v : r) {
          assertEquals(expected, v);
        }
      }
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"FP16", "BF16"})
  void onOneHostTheSumIsExactAndBetweenHostsOnlyTheWireRounds(Compression compression)
      throws Exception {
    int size = 5003;
    for (Transport t : new Transport[] {Transport.IN_JVM, Transport.HIERARCHICAL}) {
      List<RingAllReduce> rings =
          form(4, t, b -> b.optChunkBytes(1024).optCompression(compression));
      try {
        List<float[]> results =
            onEach(
                rings,
                (rank, ring) -> {
                  FloatBuffer buf = RingHarness.direct(size);
                  for (int i = 0; i < size; i++) {
                    buf.put(i, randomValue(rank, i));
                  }
                  ring.allReduce(buf);
                  return toArray(buf);
                });
        double unit = compression == Compression.FP16 ? 0x1p-11 : 0x1p-8;
        boolean rounded = false;
        for (int i = 0; i < size; i++) {
          float folded = 0;
          double magnitude = 0;
          for (int r = 0; r < 4; r++) {
            folded = r == 0 ? randomValue(r, i) : folded + randomValue(r, i);
            magnitude += Math.abs(randomValue(r, i));
          }
          if (t == Transport.IN_JVM) {
            assertEquals(folded, results.get(0)[i], "in one JVM nothing is narrowed: " + i);
          } else {
            // one hop between the two hosts and the result's way back: two roundings at most
            assertTrue(Math.abs(results.get(0)[i] - folded) <= 2 * unit * magnitude, "" + i);
            rounded |= results.get(0)[i] != folded;
          }
        }
        if (t == Transport.HIERARCHICAL) {
          assertTrue(rounded, "the sums crossed the network narrowed");
        }
        for (int r = 1; r < 4; r++) {
          assertArrayEquals(results.get(0), results.get(r), t + ": worker " + r + " differs");
        }
      } finally {
        closeAll(rings);
      }
    }
  }
}

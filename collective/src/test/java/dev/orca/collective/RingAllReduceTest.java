package dev.orca.collective;

import static dev.orca.collective.RingHarness.closeAll;
import static dev.orca.collective.RingHarness.filled;
import static dev.orca.collective.RingHarness.form;
import static dev.orca.collective.RingHarness.onEach;
import static dev.orca.collective.RingHarness.serialSum;
import static dev.orca.collective.RingHarness.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RingAllReduceTest {
  /** 1 KiB chunks: 256 floats, so that small buffers already span several chunks. */
  private static final int CHUNK_FLOATS = 256;

  @ParameterizedTest(name = "{0} workers")
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void sumsEqualTheSerialSumForEveryBufferSize(int n) throws Exception {
    int[] sizes = {
      0,
      1,
      n - 1,
      n,
      n + 1,
      7,
      1001,
      CHUNK_FLOATS * n,
      CHUNK_FLOATS * n * 3 + 17,
      CHUNK_FLOATS - 1,
      100_003
    };
    List<RingAllReduce> rings = form(n, b -> b.optChunkBytes(CHUNK_FLOATS * 4));
    try {
      for (int size : sizes) {
        RingHarness.assertSumsEverywhere(rings, size);
      }
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void largeBufferOfTenMillionFloats() throws Exception {
    int size = 10_000_000;
    List<RingAllReduce> rings = form(3);
    try {
      RingHarness.assertSumsEverywhere(rings, size);
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void repeatedStepsOnTheSameBufferAndNonIntegerValues() throws Exception {
    int size = 50_001;
    List<RingAllReduce> rings = form(4, b -> b.optChunkBytes(4096));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = RingHarness.direct(size);
                for (int step = 0; step < 20; step++) {
                  for (int i = 0; i < size; i++) {
                    buf.put(i, (float) Math.sin(i * 0.001 + rank + step));
                  }
                  ring.allReduce(buf);
                }
                return toArray(buf);
              });
      for (int i = 0; i < size; i++) {
        double exact = 0;
        for (int r = 0; r < 4; r++) {
          exact += (float) Math.sin(i * 0.001 + r + 19);
        }
        assertEquals(exact, results.get(0)[i], 1e-5, "element " + i);
      }
      for (int r = 1; r < 4; r++) {
        assertArrayEquals(results.get(0), results.get(r), "every worker ends with the same bits");
      }
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void heapBuffersAndRangesLeaveTheRestUntouched() throws Exception {
    int size = 5000;
    List<RingAllReduce> rings = form(3, b -> b.optChunkBytes(1024));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer heap = FloatBuffer.allocate(size);
                for (int i = 0; i < size; i++) {
                  heap.put(i, RingHarness.value(rank, i));
                }
                ring.allReduce(heap, 1234, 2000);
                return heap.array().clone();
              });
      float[] sum = serialSum(3, size);
      for (int r = 0; r < 3; r++) {
        for (int i = 0; i < size; i++) {
          float expected = i >= 1234 && i < 3234 ? sum[i] : RingHarness.value(r, i);
          assertEquals(expected, results.get(r)[i], "worker " + r + " element " + i);
        }
      }
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void buffersInTheOtherByteOrderAreCopiedCorrectly() throws Exception {
    int size = 3000;
    List<RingAllReduce> rings = form(2, b -> b.optChunkBytes(1024));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                java.nio.ByteOrder other =
                    java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN
                        ? java.nio.ByteOrder.LITTLE_ENDIAN
                        : java.nio.ByteOrder.BIG_ENDIAN;
                FloatBuffer buf =
                    java.nio.ByteBuffer.allocateDirect(size * 4).order(other).asFloatBuffer();
                // rank 1 mixes: native order, which goes through the zero-copy path
                FloatBuffer b = rank == 0 ? buf : RingHarness.direct(size);
                for (int i = 0; i < size; i++) {
                  b.put(i, RingHarness.value(rank, i));
                }
                ring.allReduce(b);
                ring.broadcast(b);
                return toArray(b);
              });
      assertArrayEquals(serialSum(2, size), results.get(0));
      assertArrayEquals(serialSum(2, size), results.get(1));
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void positionAndLimitSelectTheRange() throws Exception {
    List<RingAllReduce> rings = form(2);
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = filled(rank, 100);
                buf.position(10).limit(90);
                ring.allReduce(buf);
                assertEquals(10, buf.position(), "position unchanged");
                assertEquals(90, buf.limit(), "limit unchanged");
                buf.clear();
                return toArray(buf);
              });
      float[] sum = serialSum(2, 100);
      assertEquals(sum[10], results.get(1)[10]);
      assertEquals(sum[89], results.get(1)[89]);
      assertEquals(RingHarness.value(1, 9), results.get(1)[9]);
      assertEquals(RingHarness.value(1, 90), results.get(1)[90]);
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest(name = "{0} workers")
  @ValueSource(ints = {1, 2, 3, 5})
  void broadcastCopiesRankZerosValuesExactly(int n) throws Exception {
    List<RingAllReduce> rings =
        form(n, b -> b.optChunkBytes(1024).optCompression(Compression.FP16));
    try {
      for (int size : new int[] {0, 1, 255, 256, 257, 10_000}) {
        List<float[]> results =
            onEach(
                rings,
                (rank, ring) -> {
                  FloatBuffer buf = RingHarness.direct(size);
                  for (int i = 0; i < size; i++) {
                    buf.put(i, rank == 0 ? (float) Math.PI * i : -1);
                  }
                  ring.broadcast(buf);
                  return toArray(buf);
                });
        for (int r = 0; r < n; r++) {
          for (int i = 0; i < size; i++) {
            assertEquals((float) Math.PI * i, results.get(r)[i], "exact despite FP16 on the wire");
          }
        }
      }
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest(name = "{0} workers")
  @ValueSource(ints = {1, 2, 4})
  void doublesAreSummedInRankOrderIdenticallyEverywhere(int n) throws Exception {
    List<RingAllReduce> rings = form(n, b -> b.optChunkBytes(1024));
    try {
      List<double[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                double[] values = new double[300]; // spans several 1 KiB frames
                for (int i = 0; i < values.length; i++) {
                  values[i] = 0.1 * (rank + 1) + i;
                }
                ring.allReduce(values);
                double[] empty = new double[0];
                ring.allReduce(empty);
                return values;
              });
      for (int i = 0; i < 300; i++) {
        double expected = 0;
        for (int r = 0; r < n; r++) {
          expected += 0.1 * (r + 1) + i;
        }
        for (int r = 0; r < n; r++) {
          assertEquals(expected, results.get(r)[i], 0.0, "rank-order sum, bit for bit");
        }
      }
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void barrierReleasesNoWorkerBeforeTheLastArrives() throws Exception {
    int n = 4;
    List<RingAllReduce> rings = form(n);
    try {
      // the workers arrive one after another, in rank order; each counts itself in just before
      AtomicInteger arrived = new AtomicInteger();
      List<CountDownLatch> turn = new ArrayList<>();
      for (int r = 0; r <= n; r++) {
        turn.add(new CountDownLatch(r == 0 ? 0 : 1));
      }
      List<Integer> seen =
          onEach(
              rings,
              (rank, ring) -> {
                turn.get(rank).await();
                arrived.incrementAndGet();
                turn.get(rank + 1).countDown();
                ring.barrier();
                return arrived.get();
              });
      assertEquals(List.of(n, n, n, n), seen, "how many had arrived when each worker left");
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void aRingOfOneLeavesValuesAsTheyAre() throws Exception {
    try (RingAllReduce ring = RingAllReduce.open(RingHarness.options().build())) {
      ring.connect(List.of(ring.localAddress()), 0);
      assertEquals(0, ring.rank());
      assertEquals(1, ring.size());
      FloatBuffer buf = filled(0, 10);
      ring.allReduce(buf);
      ring.broadcast(buf);
      ring.barrier();
      double[] d = {1.5, 2.5};
      ring.allReduce(d);
      ring.startAllReduce(buf).ready(0, 5).ready(5, 10).await();
      assertArrayEquals(serialSum(1, 10), toArray(buf));
      assertArrayEquals(new double[] {1.5, 2.5}, d);
    }
  }
}

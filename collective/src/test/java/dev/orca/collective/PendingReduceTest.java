package dev.orca.collective;

import static dev.orca.collective.RingHarness.closeAll;
import static dev.orca.collective.RingHarness.filled;
import static dev.orca.collective.RingHarness.form;
import static dev.orca.collective.RingHarness.onEach;
import static dev.orca.collective.RingHarness.serialSum;
import static dev.orca.collective.RingHarness.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PendingReduceTest {
  /** Layer sizes of a made-up model, laid out in order; backward produces them last to first. */
  private static final int[] LAYERS = {1, 17, 300, 5000, 256, 255, 40_000, 3, 12_345, 999};

  private static int total() {
    int t = 0;
    for (int l : LAYERS) {
      t += l;
    }
    return t;
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void rangesMarkedAsBackwardProducesThemEqualOneBlockingCall(Transport transport)
      throws Exception {
    int n = 3;
    int size = total() + 10;
    List<RingAllReduce> rings = form(n, transport, b -> b.optChunkBytes(1024));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer grads = RingHarness.direct(size);
                PendingReduce p = ring.startAllReduce(grads, 5, size - 10);
                int end = 5 + total();
                for (int l = LAYERS.length - 1; l >= 0; l--) {
                  int from = end - LAYERS[l];
                  for (int i = from;
                      i < end;
                      i++) { // "backward" writes this layer's gradients now,
                    grads.put(
                        i, RingHarness.value(rank, i)); // while earlier layers are being reduced
                  }
                  p.ready(from, end);
                  end = from;
                }
                p.await();
                FloatBuffer blocking = filled(rank, size);
                ring.allReduce(blocking, 5, size - 10);
                float[] a = toArray(grads);
                float[] b = toArray(blocking);
                for (int i = 0; i < 5; i++) { // outside the range: untouched by either
                  a[i] = a[size - 1 - i] = b[i] = b[size - 1 - i] = 0;
                }
                assertArrayEquals(b, a, "overlapped and blocking results differ on worker " + rank);
                return a;
              });
      float[] expected = serialSum(n, size);
      for (int r = 0; r < n; r++) {
        for (int i = 5; i < size - 5; i++) {
          assertTrue(expected[i] == results.get(r)[i], "worker " + r + " element " + i);
        }
      }
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void someRangesThenReadyAllCoversTheGaps() throws Exception {
    int size = 10_000;
    List<RingAllReduce> rings = form(2, b -> b.optChunkBytes(1024));
    try {
      List<float[]> results =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = filled(rank, size);
                ring.startAllReduce(buf)
                    .ready(9000, 10_000)
                    .ready(100, 200)
                    .ready(3000, 4000)
                    .readyAll()
                    .await();
                return toArray(buf);
              });
      assertArrayEquals(serialSum(2, size), results.get(0));
      assertArrayEquals(serialSum(2, size), results.get(1));
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void misuseIsReportedClearly() throws Exception {
    List<RingAllReduce> rings = form(2);
    try {
      onEach(
          rings,
          (rank, ring) -> {
            FloatBuffer buf = filled(rank, 1000);
            PendingReduce p = ring.startAllReduce(buf).ready(0, 500);
            IllegalArgumentException overlap =
                assertThrows(IllegalArgumentException.class, () -> p.ready(400, 600));
            assertTrue(overlap.getMessage().contains("overlaps"), overlap.getMessage());
            IllegalArgumentException outside =
                assertThrows(IllegalArgumentException.class, () -> p.ready(900, 1001));
            assertTrue(outside.getMessage().contains("[0, 1000)"), outside.getMessage());
            IllegalStateException busy =
                assertThrows(IllegalStateException.class, () -> ring.allReduce(buf));
            assertTrue(busy.getMessage().contains("await()"), busy.getMessage());
            p.ready(500, 1000).await();
            IllegalStateException finished =
                assertThrows(IllegalStateException.class, () -> p.ready(0, 1));
            assertTrue(finished.getMessage().contains("finished"), finished.getMessage());
            PendingReduce q = ring.startAllReduce(buf).ready(0, 999);
            IllegalStateException missing = assertThrows(IllegalStateException.class, q::await);
            assertTrue(missing.getMessage().contains("1 of the 1000 floats"), missing.getMessage());
            return null;
          });
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void workersMarkingDifferentRangesFailWithAMessage(Transport transport) throws Exception {
    List<RingAllReduce> rings = form(2, transport, b -> b.optChunkBytes(1024));
    try {
      // the ring may notice the mismatch before or after the second ready(): either way it is
      // await() that throws, and each worker compares its first range with its neighbour's
      List<String> messages =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = filled(rank, 600);
                PendingReduce p = ring.startAllReduce(buf);
                if (rank == 0) {
                  p.ready(0, 300).ready(300, 600);
                } else {
                  p.ready(300, 600).ready(0, 300);
                }
                return assertThrows(RingException.class, p::await).getMessage();
              });
      for (String m : messages) {
        assertTrue(m.contains("every worker must make the same calls in the same order"), m);
        assertTrue(m.contains("all-reduce #0 of floats [0, 300)"), m);
        assertTrue(m.contains("all-reduce #0 of floats [300, 600)"), m);
      }
      assertTrue(
          messages
              .get(0)
              .contains(
                  "runs all-reduce #0 of floats [300, 600) where this "
                      + "worker runs all-reduce #0 of floats [0, 300)"),
          messages.get(0));
      assertTrue(
          messages
              .get(1)
              .contains(
                  "runs all-reduce #0 of floats [0, 300) where this "
                      + "worker runs all-reduce #0 of floats [300, 600)"),
          messages.get(1));
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void rangesMarkedOnAClosedRingFailAtAwaitNotAtReady(Transport transport) throws Exception {
    List<RingAllReduce> rings = form(2, transport, b -> b.optChunkBytes(1024));
    String closedAddress = rings.get(0).localAddress();
    try {
      List<String> messages =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = filled(rank, 600);
                PendingReduce p = ring.startAllReduce(buf).ready(0, 300);
                if (rank == 0) {
                  ring.close(); // with a range in flight
                }
                p.ready(300, 600); // on worker 0 posted after the close: neither throws nor blocks
                return assertThrows(RingException.class, p::await).getMessage();
              });
      assertTrue(
          messages.get(0).contains("the ring was closed while this operation ran"),
          messages.get(0));
      assertTrue(messages.get(1).contains("lost"), messages.get(1));
      assertTrue(messages.get(1).contains("worker rank 0 at " + closedAddress), messages.get(1));
    } finally {
      closeAll(rings);
    }
  }
}

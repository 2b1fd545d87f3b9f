package dev.orca.collective;

import static dev.orca.collective.RingHarness.closeAll;
import static dev.orca.collective.RingHarness.filled;
import static dev.orca.collective.RingHarness.form;
import static dev.orca.collective.RingHarness.onEach;
import static dev.orca.collective.RingHarness.ringThreads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How a ring fails, the same with every transport: who is named, which call throws, whether a
 * worker gave up or was lost. Hierarchical rings here are two host groups, ranks [0, 1] and [2].
 */
class RingFailureTest {

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void aWorkerThatGivesUpTellsEveryPeerWhyAtOnce(Transport transport) throws Exception {
    // a timeout far beyond the harness's two minutes: the peers must learn it from the worker
    // that gave up, not from the timeout
    List<RingAllReduce> rings =
        form(3, transport, b -> b.optChunkBytes(4096).optTimeout(Duration.ofMinutes(10)));
    String quitter = rings.get(2).localAddress();
    try {
      List<String> messages =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = filled(rank, 100_000);
                ring.allReduce(buf); // a healthy step first
                if (rank == 2) {
                  // its own computation failed before the next step's reduction
                  ring.abort("worker 2: the data holds a non-finite value in column 'x'");
                  return "";
                }
                RingException e = assertThrows(RingException.class, () -> ring.allReduce(buf));
                // told apart from a lost worker: a trainer does not retry after this
                assertTrue(e.workerGaveUp(), e.getMessage());
                return e.getMessage();
              });
      for (int r : new int[] {0, 1}) {
        String m = messages.get(r);
        assertTrue(m.contains("the data holds a non-finite value in column 'x'"), m);
      }
      // the next worker was told by rank 2 itself, naming it
      assertTrue(messages.get(0).contains(quitter), messages.get(0));
      assertFalse(rings.get(2).isConnected(), "abort closes the ring");
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void aPeerClosedMidReductionFailsTheOthersNamingIt(Transport transport) throws Exception {
    // a timeout far beyond the harness's two minutes: the others must notice the closed
    // connections themselves, not wait for the timeout
    List<RingAllReduce> rings =
        form(3, transport, b -> b.optChunkBytes(4096).optTimeout(Duration.ofMinutes(10)));
    String lost = rings.get(1).localAddress();
    CountDownLatch closed = new CountDownLatch(1);
    try {
      List<String> messages =
          onEach(
              rings,
              (rank, ring) -> {
                FloatBuffer buf = filled(rank, 1_000_000);
                if (rank == 1) {
                  // rank 1's reduction is under way (it cannot finish: the others have not started)
                  // when
                  // another thread closes the ring, before or while await() waits: the same either
                  // way
                  PendingReduce p = ring.startAllReduce(buf).readyAll();
                  Thread closer =
                      new Thread(
                          () -> {
                            ring.close();
                            closed.countDown();
                          });
                  closer.start();
                  RingException e = assertThrows(RingException.class, p::await);
                  closer.join();
                  return e.getMessage();
                }
                closed.await();
                RingException e = assertThrows(RingException.class, () -> ring.allReduce(buf));
                assertFalse(e.workerGaveUp(), "a lost worker is not one that gave up: " + e);
                return e.getMessage();
              });
      assertTrue(messages.get(1).contains("closed while this operation ran"), messages.get(1));
      for (int r : new int[] {0, 2}) {
        String m = messages.get(r);
        assertFalse(m.isEmpty());
        assertTrue(m.startsWith("all-reduce #0 of floats [0, 1000000)"), m);
        // over TCP "lost connection to worker rank 1 at ...", in memory "lost worker rank 1 ..."
        assertTrue(m.contains("lost"), m);
        assertTrue(m.contains("worker rank 1 at " + lost), m);
      }
      // the ring stays broken, and says why
      RingException again =
          assertThrows(RingException.class, () -> rings.get(0).allReduce(filled(0, 10)));
      assertTrue(again.getMessage().contains("the ring is broken"), again.getMessage());
      assertTrue(again.getMessage().contains("worker rank 1 at " + lost), again.getMessage());
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void aSilentPeerTimesOutNamingIt(Transport transport) throws Exception {
    List<RingAllReduce> rings = form(2, transport, b -> b.optTimeout(Duration.ofSeconds(1)));
    try {
      long start = System.nanoTime();
      RingException e =
          assertThrows(RingException.class, () -> rings.get(0).allReduce(filled(0, 1000)));
      double seconds = (System.nanoTime() - start) / 1e9;
      // over TCP "... (next in the ring): it sent nothing for 1 s", in memory "made no progress"
      assertTrue(
          e.getMessage().contains("worker rank 1 at " + rings.get(1).localAddress()),
          e.getMessage());
      assertTrue(e.getMessage().contains(" for 1 s"), e.getMessage());
      // a lower bound only: a loaded machine can make it later, never earlier
      assertTrue(seconds >= 0.9, "gave up after " + seconds + " s, before the 1 s timeout");
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void workersCallingDifferentLengthsFailWithAMessage(Transport transport) throws Exception {
    List<RingAllReduce> rings = form(2, transport, b -> b);
    try {
      List<String> messages =
          onEach(
              rings,
              (rank, ring) ->
                  assertThrows(RingException.class, () -> ring.allReduce(filled(rank, 100 + rank)))
                      .getMessage());
      // each worker names its neighbour's operation and its own, whichever noticed first
      assertTrue(
          messages
              .get(0)
              .contains(
                  "runs all-reduce #0 of floats [0, 101) where this worker "
                      + "runs all-reduce #0 of floats [0, 100)"),
          messages.get(0));
      assertTrue(
          messages
              .get(1)
              .contains(
                  "runs all-reduce #0 of floats [0, 100) where this worker "
                      + "runs all-reduce #0 of floats [0, 101)"),
          messages.get(1));
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void aBrokenRingFailsEveryLaterCallWithTheFirstFailure(Transport transport) throws Exception {
    List<RingAllReduce> rings = form(2, transport, b -> b);
    try {
      onEach(
          rings,
          (rank, ring) -> {
            assertThrows(RingException.class, () -> ring.broadcast(filled(rank, 10 + rank)));
            List<Executable> calls =
                List.of(
                    () -> ring.allReduce(filled(rank, 10)),
                    () -> ring.startAllReduce(filled(rank, 10)),
                    () -> ring.broadcast(filled(rank, 10)),
                    ring::barrier,
                    () -> ring.allReduce(new double[] {1}));
            for (Executable call : calls) {
              RingException e = assertThrows(RingException.class, call);
              assertTrue(
                  e.getMessage().contains("the ring is broken: broadcast #0 of floats [0, 1"),
                  e.getMessage());
              assertTrue(
                  e.getMessage().contains("every worker must make the same calls"), e.getMessage());
            }
            return null;
          });
    } finally {
      closeAll(rings);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"TCP", "IN_JVM", "SHARED_MEMORY", "HIERARCHICAL"})
  void closeReleasesThreadsSocketsAndMemoryAndIsIdempotent(Transport transport) throws Exception {
    long socketsBefore = openSockets();
    assertEquals(List.of(), ringThreads());
    // per worker: a sender and a receiver; over TCP between hosts the same again for the results
    // coming back; on a host of several workers one thread that sums through memory
    int threads = transport == Transport.TCP ? 12 : transport == Transport.HIERARCHICAL ? 14 : 9;
    for (int round = 0; round < 3; round++) {
      List<RingAllReduce> rings = form(3, transport, b -> b);
      assertEquals(threads, ringThreads().size(), transport + ": " + ringThreads());
      assertEquals(List.of(), RingHarness.shmFiles(), "segments are unlinked once joined");
      RingHarness.assertSumsEverywhere(rings, 777);
      closeAll(rings);
      closeAll(rings); // twice: nothing happens
      assertEquals(List.of(), ringThreads());
      assertEquals(List.of(), RingHarness.shmMappings(), "no segment stays mapped");
      for (RingAllReduce r : rings) {
        assertTrue(refused(r.localAddress()), "still listening at " + r.localAddress());
        assertThrows(IllegalStateException.class, () -> r.allReduce(filled(0, 1)));
      }
    }
    if (socketsBefore >= 0) {
      assertEquals(socketsBefore, openSockets(), "sockets left open");
    }
  }

  @Test
  void theListeningSocketClosesOnceTheRingIsFormed() throws Exception {
    List<RingAllReduce> rings = form(2);
    try {
      for (RingAllReduce r : rings) {
        assertTrue(refused(r.localAddress()), "a late stray must find no one listening");
      }
      RingHarness.assertSumsEverywhere(rings, 10);
    } finally {
      closeAll(rings);
    }
  }

  static boolean refused(String address) {
    int colon = address.lastIndexOf(':');
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(
              address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
          2000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Sockets this JVM holds open (Linux), or -1 where /proc is not there. */
  static long openSockets() throws IOException {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return -1;
    }
    try (Stream<Path> s = Files.list(fds)) {
      return s.filter(
              p -> {
                try {
                  return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException e) {
                  return false;
                }
              })
          .count();
    }
  }
}

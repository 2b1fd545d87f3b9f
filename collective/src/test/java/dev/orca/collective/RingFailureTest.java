package dev.orca.collective;

import static dev.orca.collective.RingHarness.closeAll;
import static dev.orca.collective.RingHarness.filled;
import static dev.orca.collective.RingHarness.form;
import static dev.orca.collective.RingHarness.onEach;
import static dev.orca.collective.RingHarness.ringThreads;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RingFailureTest {

  @Test
  void aPeerClosedMidReductionFailsTheOthersNamingIt() throws Exception {
    List<RingAllReduce> rings = form(3, b -> b.optChunkBytes(4096));
    String lost = rings.get(1).localAddress();
    try {
      long start = System.nanoTime();
      List<String> messages = onEach(rings, (rank, ring) -> {
        FloatBuffer buf = filled(rank, 1_000_000);
        if (rank == 1) {
          // rank 1 is inside its all-reduce (waiting on rank 2, which comes late) when it closes
          Thread closer = new Thread(() -> {
            sleep(300);
            ring.close();
          });
          closer.start();
          RingException e = assertThrows(RingException.class, () -> ring.allReduce(buf));
          closer.join();
          return e.getMessage();
        }
        if (rank == 2) {
          Thread.sleep(1000);
        }
        return assertThrows(RingException.class, () -> ring.allReduce(buf)).getMessage();
      });
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(messages.get(1).contains("closed while this operation ran"), messages.get(1));
      for (int r : new int[] {0, 2}) {
        String m = messages.get(r);
        assertTrue(m.startsWith("all-reduce #0 of floats [0, 1000000)"), m);
        assertTrue(m.contains("lost connection to worker rank 1 at " + lost), m);
      }
      assertTrue(seconds < 15, "the others failed after " + seconds + " s, not well within the 20 s timeout");
      // the ring stays broken, and says why
      RingException again = assertThrows(RingException.class,
          () -> rings.get(0).allReduce(filled(0, 10)));
      assertTrue(again.getMessage().contains("the ring is broken"), again.getMessage());
      assertTrue(again.getMessage().contains("worker rank 1 at " + lost), again.getMessage());
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void aSilentPeerTimesOutNamingIt() throws Exception {
    List<RingAllReduce> rings = form(2, b -> b.optTimeout(Duration.ofSeconds(1)));
    try {
      long start = System.nanoTime();
      RingException e = assertThrows(RingException.class, () -> rings.get(0).allReduce(filled(0, 1000)));
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(e.getMessage().contains("worker rank 1 at " + rings.get(1).localAddress()
          + " (previous in the ring): it sent nothing for 1 s"), e.getMessage());
      assertTrue(seconds >= 0.9 && seconds < 10, "timed out after " + seconds + " s");
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void workersCallingDifferentLengthsFailWithAMessage() throws Exception {
    List<RingAllReduce> rings = form(2);
    try {
      List<String> messages = onEach(rings, (rank, ring) -> assertThrows(RingException.class,
          () -> ring.allReduce(filled(rank, 100 + rank))).getMessage());
      assertTrue(messages.get(0).contains("runs all-reduce #0 of floats [0, 101) where this worker "
          + "runs all-reduce #0 of floats [0, 100)"), messages.get(0));
    } finally {
      closeAll(rings);
    }
  }

  @Test
  void closeReleasesThreadsAndSocketsAndIsIdempotent() throws Exception {
    long socketsBefore = openSockets();
    assertEquals(List.of(), ringThreads());
    for (int round = 0; round < 3; round++) {
      List<RingAllReduce> rings = form(3);
      assertEquals(6, ringThreads().size(), "a sender and a receiver per worker: " + ringThreads());
      RingHarness.assertSumsEverywhere(rings, 777);
      closeAll(rings);
      closeAll(rings); // twice: nothing happens
      assertEquals(List.of(), ringThreads());
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
      s.connect(new InetSocketAddress(address.substring(0, colon),
          Integer.parseInt(address.substring(colon + 1))), 2000);
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
      return s.filter(p -> {
        try {
          return Files.readSymbolicLink(p).toString().startsWith("socket:");
        } catch (IOException e) {
          return false;
        }
      }).count();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.orca.collective;

import static dev.orca.collective.RingHarness.closeAll;
import static dev.orca.collective.RingHarness.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.testing.CapturedLog;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RingFormationTest {

  private static Socket dial(String address) throws Exception {
    return dial(address, 2000);
  }

  private static Socket dial(String address, int timeoutMillis) throws Exception {
    int colon = address.lastIndexOf(':');
    Socket s = new Socket();
    s.connect(
        new InetSocketAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
        timeoutMillis);
    return s;
  }

  private static CompletableFuture<Void> connectAsync(
      RingAllReduce ring, List<String> addresses, int rank) {
    return CompletableFuture.runAsync(() -> ring.connect(addresses, rank));
  }

  @Test
  void straysAndImpostorsAreRefusedAndLoggedWhileTheRingForms() throws Exception {
    List<RingAllReduce> rings = new ArrayList<>();
    List<RingAllReduce> impostors = new ArrayList<>();
    List<Socket> strays = new ArrayList<>();
    try (CapturedLog log = new CapturedLog("dev.orca.collective")) {
      for (int i = 0; i < 3; i++) {
        rings.add(RingAllReduce.open(options().build()));
      }
      List<String> addresses = new ArrayList<>();
      rings.forEach(r -> addresses.add(r.localAddress()));

      // queued at rank 1 before it starts forming: garbage, a port scanner, a silent client
      Socket garbage = dial(addresses.get(1));
      OutputStream out = garbage.getOutputStream();
      out.write(
          "GET / HTTP/1.1\r\nHost: ring\r\nAccept: */*\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      strays.add(garbage);
      dial(addresses.get(1)).close();
      strays.add(dial(addresses.get(1)));

      CompletableFuture<Void> rank1 = connectAsync(rings.get(1), addresses, 1);

      // a worker of another job (other secret), and one with other settings, both claim rank 0
      RingAllReduce wrongSecret = RingAllReduce.open(options().setSecret("another job").build());
      impostors.add(wrongSecret);
      RingException secretError =
          assertThrows(
              RingException.class,
              () ->
                  wrongSecret.connect(
                      List.of(wrongSecret.localAddress(), addresses.get(1), addresses.get(2)), 0));
      assertTrue(
          secretError
              .getMessage()
              .contains(
                  "worker rank 1 at "
                      + addresses.get(1)
                      + " (next in the ring) does not know this job's secret"),
          secretError.getMessage());

      RingAllReduce wrongChunk = RingAllReduce.open(options().optChunkBytes(2048).build());
      impostors.add(wrongChunk);
      RingException chunkError =
          assertThrows(
              RingException.class,
              () ->
                  wrongChunk.connect(
                      List.of(wrongChunk.localAddress(), addresses.get(1), addresses.get(2)), 0));
      assertTrue(
          chunkError
              .getMessage()
              .contains(
                  "refused this worker: its RingOptions chunkBytes " + "or compression differ"),
          chunkError.getMessage());

      // now the real ring forms, undisturbed
      CompletableFuture<Void> rank0 = connectAsync(rings.get(0), addresses, 0);
      CompletableFuture<Void> rank2 = connectAsync(rings.get(2), addresses, 2);
      CompletableFuture.allOf(rank0, rank1, rank2).get(60, TimeUnit.SECONDS);
      RingHarness.assertSumsEverywhere(rings, 1000);

      assertTrue(
          log.count("not an Orca ring handshake (first bytes: 47 45 54 20") == 1,
          log.lines().toString());
      assertTrue(
          log.count("without sending anything (a port scanner?)") == 1, log.lines().toString());
      assertTrue(log.count("wrong job secret or ring name") == 1, log.lines().toString());
      assertTrue(
          log.count("its chunkBytes 2048 / compression NONE differ") == 1, log.lines().toString());
      // the silent client is refused when the ring forms or, on a slow machine, when its own
      // handshake deadline passes first; either way it held no one up
      assertTrue(
          log.count("the ring was formed before its handshake finished")
                  + log.count("sent no complete handshake within")
              == 1,
          "the silent client: " + log.lines());
      assertTrue(log.lines().stream().allMatch(l -> l.startsWith("WARN")), log.lines().toString());
    } finally {
      for (Socket s : strays) {
        s.close();
      }
      closeAll(impostors);
      closeAll(rings);
    }
  }

  @Test
  void seventySilentConnectionsToAFormingRingGiveAFewWarningsAndACount() throws Exception {
    List<Socket> silent = new ArrayList<>();
    try (CapturedLog log = new CapturedLog("dev.orca.collective");
        RingAllReduce a = RingAllReduce.open(options().build());
        RingAllReduce b = RingAllReduce.open(options().build())) {
      List<String> addresses = List.of(a.localAddress(), b.localAddress());
      CompletableFuture<Void> rankB = connectAsync(b, addresses, 1);
      for (int i = 0; i < 70; i++) {
        silent.add(dial(b.localAddress(), 10_000));
      }
      // a connects after all 70 (the listening socket queues in order), so b accepts and refuses
      // every one of them before the ring forms; while 64 of them hold all of b's handshake slots
      // (until their deadline), b refuses a's attempts too
      CompletableFuture<Void> rankA = connectAsync(a, addresses, 0);
      CompletableFuture.allOf(rankA, rankB).get(60, TimeUnit.SECONDS);

      List<String> refusals =
          log.lines().stream()
              .filter(l -> l.startsWith("WARN ring 'ring' rank 1 of 2: refused a connection"))
              .toList();
      List<String> summaries =
          log.lines().stream().filter(l -> l.contains("more like it")).toList();
      long summed = 0;
      for (String line : summaries) {
        Matcher m = Pattern.compile("\\.\\.\\. and (\\d+) more like it").matcher(line);
        assertTrue(m.find(), line);
        summed += Long.parseLong(m.group(1));
      }
      assertTrue(refusals.size() + summed >= 70, "every stray is counted: " + log.lines());
      // two kinds (too many at once; silent until the ring formed or the deadline), five lines
      // each and a count, where the unlimited log wrote a line per refusal
      assertTrue(refusals.size() <= 10 && summaries.size() <= 2, log.lines().toString());
      assertEquals(refusals.size() + summaries.size(), log.lines().size(), log.lines().toString());
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void aMissingNeighbourTimesOutNamingIt() throws Exception {
    try (RingAllReduce a =
            RingAllReduce.open(options().optConnectTimeout(Duration.ofSeconds(1)).build());
        RingAllReduce b = RingAllReduce.open(options().build())) {
      // b listens but never forms the ring
      List<String> addresses = List.of(a.localAddress(), b.localAddress());
      RingException e = assertThrows(RingException.class, () -> a.connect(addresses, 0));
      assertTrue(
          e.getMessage()
              .contains(
                  "could not form the ring within 1 s: worker rank 1 at "
                      + b.localAddress()
                      + " (next in the ring) did not complete the handshake"),
          e.getMessage());
      assertTrue(
          e.getMessage()
              .contains(
                  "no valid connection came from worker rank 1 at "
                      + b.localAddress()
                      + " (previous in the ring)"),
          e.getMessage());
      assertTrue(
          RingFailureTest.refused(a.localAddress()), "the failed endpoint stopped listening");
      IllegalStateException again =
          assertThrows(IllegalStateException.class, () -> a.connect(addresses, 0));
      assertTrue(again.getMessage().contains("open a new one"), again.getMessage());
    }
  }

  @Test
  void closeFromAnotherThreadStopsAConnectThatWaits() throws Exception {
    RingAllReduce a = RingAllReduce.open(options().build());
    // the next worker is a plain socket that accepts and never answers: once it has accepted, a
    // is certainly inside connect(), waiting
    try (ServerSocket next = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      next.setSoTimeout(60_000);
      List<String> addresses = List.of(a.localAddress(), "127.0.0.1:" + next.getLocalPort());
      CompletableFuture<Void> connecting = connectAsync(a, addresses, 0);
      try (Socket fromA = next.accept()) {
        a.close();
        Exception e = assertThrows(Exception.class, () -> connecting.get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof RingException, e.toString());
        // not the 20 s connect timeout's message: the close ended the wait
        assertTrue(
            e.getCause().getMessage().contains("closed while forming the ring"),
            e.getCause().getMessage());
      }
      assertTrue(RingFailureTest.refused(a.localAddress()));
    } finally {
      a.close();
    }
  }

  @Test
  void badAddressListsAreRejectedBeforeAnythingIsSent() throws Exception {
    try (RingAllReduce a = RingAllReduce.open(options().build())) {
      String me = a.localAddress();
      assertMessage(() -> a.connect(List.of(), 0), "address list is empty");
      assertMessage(() -> a.connect(List.of(me), 1), "rank 1 is outside 0..0");
      assertMessage(
          () -> a.connect(List.of("127.0.0.1:1", me), 0),
          "addresses[0] is '127.0.0.1:1' but this worker listens at '" + me + "'");
      assertMessage(() -> a.connect(List.of(me, me), 0), "names a worker twice");
      assertMessage(
          () -> a.connect(List.of(me, "no-port-here"), 0),
          "ring address of worker rank 1 is 'no-port-here'");
    }
  }

  private static void assertMessage(Runnable call, String text) {
    OrcaConfigurationException e = assertThrows(OrcaConfigurationException.class, call::run);
    assertTrue(e.getMessage().contains(text), e.getMessage());
  }
}

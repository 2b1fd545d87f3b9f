package dev.orca.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RingOptionsTest {

  private static void assertRejected(RingOptions.Builder b, String text) {
    OrcaConfigurationException e = assertThrows(OrcaConfigurationException.class, b::build);
    assertTrue(e.getMessage().contains(text), e.getMessage());
  }

  @Test
  void settingsAreCheckedWithMessagesThatSayWhatToDo() {
    assertRejected(RingOptions.builder(), "the job secret is missing");
    assertRejected(RingOptions.builder().setSecret(new byte[0]), "the job secret is missing");
    RingOptions.Builder ok = RingOptions.builder().setSecret("s");
    assertRejected(ok.optChunkBytes(100), "chunkBytes 100 is out of range");
    ok.optChunkBytes(RingOptions.DEFAULT_CHUNK_BYTES);
    assertRejected(ok.optTimeout(Duration.ZERO), "timeout PT0S must be a positive duration");
    ok.optTimeout(Duration.ofSeconds(1));
    assertRejected(ok.optPort(70_000), "port 70000 is out of range");
    ok.optPort(0);
    assertRejected(ok.optHost(" "), "host is empty");
    ok.optHost("127.0.0.1");
    assertRejected(ok.optCompression(null), "compression is null");
    RingOptions o = ok.optCompression(Compression.BF16).build();
    assertEquals(Compression.BF16, o.compression());
    assertEquals("ring", o.name());
  }

  @Test
  void secretsAreFreshAndCopied() {
    assertNotEquals(RingOptions.randomSecret(), RingOptions.randomSecret());
    assertEquals(64, RingOptions.randomSecret().length());
    byte[] secret = {1, 2, 3};
    RingOptions o = RingOptions.builder().setSecret(secret).build();
    secret[0] = 9;
    o.secret()[1] = 9;
    assertEquals(1, o.secret()[0]);
    assertEquals(2, o.secret()[1]);
  }

  @Test
  void endpointsThatCannotListenSaySo() throws Exception {
    OrcaConfigurationException wildcard =
        assertThrows(
            OrcaConfigurationException.class,
            () ->
                RingAllReduce.open(
                    RingOptions.builder().setSecret("s").optHost("0.0.0.0").build()));
    assertTrue(wildcard.getMessage().contains("is a wildcard"), wildcard.getMessage());
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      OrcaConfigurationException inUse =
          assertThrows(
              OrcaConfigurationException.class,
              () ->
                  RingAllReduce.open(
                      RingOptions.builder().setSecret("s").optPort(taken.getLocalPort()).build()));
      assertTrue(
          inUse.getMessage().contains("cannot listen at 127.0.0.1:" + taken.getLocalPort()),
          inUse.getMessage());
    }
    try (RingAllReduce ring = RingAllReduce.open(RingOptions.builder().setSecret("s").build())) {
      IllegalStateException early = assertThrows(IllegalStateException.class, ring::barrier);
      assertTrue(early.getMessage().contains("call connect(addresses, rank)"), early.getMessage());
      assertTrue(ring.localAddress().startsWith("127.0.0.1:"), ring.localAddress());
    }
  }
}

package dev.orca.collective.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.collective.RingException;
import dev.orca.collective.RingOptions;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code RingAllReduce.close()} aborts the formation and closes its listening socket; when that
 * comes before the formation has registered the socket, the socket error must not hide the close.
 * The public API cannot pick that moment, so it is staged here directly.
 */
class RingFormationAbortTest {

  @Test
  void aFormationClosedBeforeItStartsSaysItWasClosed() throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      RingOptions options = RingOptions.builder().setSecret("test-secret-0123456789").build();
      RingFormation forming =
          RingFormation.prepare(server, options, List.of("127.0.0.1:" + port, "127.0.0.1:1"), 0);
      forming.abort(); // what close() does, in its order: abort, then close the listening socket
      server.close();
      RingException e =
          assertThrows(RingException.class, () -> forming.connect(new FailureRecord()));
      assertTrue(
          e.getMessage().contains("rank 0 of 2: closed while forming the ring"), e.getMessage());
    }
  }
}

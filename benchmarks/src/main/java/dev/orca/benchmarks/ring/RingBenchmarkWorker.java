package dev.orca.benchmarks.ring;

import dev.orca.collective.RingAllReduce;
import dev.orca.collective.SharedFloats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rank 1 of {@link AllReduceBenchmark}, in its own JVM: does what the driver's commands say.
 *
 * <pre>
 * RAWCONNECT host:port          open the raw stream to the driver
 * RAW bytes                     receive that many bytes on it, then acknowledge
 * RING transport/compression chunkBytes
 *                               open an endpoint, answer @ADDRESS, read the address list, connect
 * REDUCE transport/compression floats
 *                               barrier + all-reduce of this worker's buffer of that size
 * SUM transport/compression     answer @SUM with the checksum of that buffer
 * EXIT
 * </pre>
 */
public final class RingBenchmarkWorker {
  private final Map<String, RingAllReduce> rings = new HashMap<>();
  private final Map<String, FloatBuffer> buffers = new HashMap<>();
  private final Map<String, SharedFloats> shared = new HashMap<>();
  private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private final BufferedReader in =
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
  private SocketChannel raw;
  private final ByteBuffer block = ByteBuffer.allocateDirect(RawStream.BLOCK);

  private RingBenchmarkWorker() {}

  public static void main(String[] args) throws Exception {
    RingBenchmarkWorker worker = new RingBenchmarkWorker();
    try {
      worker.serve();
    } finally {
      worker.rings.values().forEach(RingAllReduce::close);
      worker.shared.values().forEach(SharedFloats::close);
      if (worker.raw != null) {
        worker.raw.close();
      }
    }
  }

  private void serve() throws Exception {
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      switch (w[0]) {
        case "RAWCONNECT":
          int colon = w[1].lastIndexOf(':');
          raw =
              SocketChannel.open(
                  new InetSocketAddress(
                      w[1].substring(0, colon), Integer.parseInt(w[1].substring(colon + 1))));
          RawStream.tune(raw);
          break;
        case "RAW":
          RawStream.receive(raw, block, Long.parseLong(w[1]));
          break;
        case "RING":
          RingAllReduce ring =
              RingAllReduce.open(
                  AllReduceBenchmark.options(
                      AllReduceBenchmark.Setup.of(w[1]), Integer.parseInt(w[2])));
          rings.put(w[1], ring);
          out.println("@ADDRESS " + ring.localAddress());
          ring.connect(Arrays.asList(in.readLine().trim().split(",")), 1);
          break;
        case "REDUCE":
          reduce(w[1], Integer.parseInt(w[2]));
          break;
        case "SUM":
          out.println("@SUM " + AllReduceBenchmark.checksum(buffers.get(w[1])));
          break;
        case "EXIT":
          return;
        default:
          throw new IllegalArgumentException("unknown command: " + line);
      }
    }
  }

  private void reduce(String c, int floats) {
    FloatBuffer b = buffers.get(c);
    RingAllReduce ring = rings.get(c);
    if (b == null || b.capacity() != floats) {
      buffers.remove(c); // let the last one go before allocating the next
      SharedFloats last = shared.remove(c);
      if (last != null) {
        last.close();
      }
      List<SharedFloats> owned = new ArrayList<>();
      b = AllReduceBenchmark.allocate(AllReduceBenchmark.Setup.of(c), ring, floats, owned);
      owned.forEach(o -> shared.put(c, o));
      AllReduceBenchmark.fill(b, 1);
      buffers.put(c, b);
    }
    ring.barrier();
    ring.allReduce(b);
  }
}

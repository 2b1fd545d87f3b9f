package dev.orca.benchmarks.ring;

import dev.orca.estimator.ring.Compression;
import dev.orca.estimator.ring.RingAllReduce;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Rank 1 of {@link AllReduceBenchmark}, in its own JVM: does what the driver's commands say.
 *
 * <pre>
 * RAW host:port bytes runs      receive that many bytes, runs times, over one TCP stream
 * RING compression chunkBytes   open an endpoint, answer @ADDRESS, then read the address list
 * REDUCE floats runs            barrier + all-reduce, runs times; answer @REDUCED checksum
 * CLOSE                         close the ring
 * EXIT
 * </pre>
 */
public final class RingBenchmarkWorker {
  private RingBenchmarkWorker() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    RingAllReduce ring = null;
    FloatBuffer buffer = null;
    try {
      String line;
      while ((line = in.readLine()) != null) {
        String[] w = line.trim().split(" ");
        switch (w[0]) {
          case "RAW":
            raw(w[1], Long.parseLong(w[2]), Integer.parseInt(w[3]));
            out.println("@RAWDONE");
            break;
          case "RING":
            ring = RingAllReduce.open(AllReduceBenchmark.options(Compression.valueOf(w[1]),
                Integer.parseInt(w[2])));
            out.println("@ADDRESS " + ring.localAddress());
            ring.connect(Arrays.asList(in.readLine().trim().split(",")), 1);
            out.println("@CONNECTED");
            break;
          case "REDUCE":
            int floats = Integer.parseInt(w[1]);
            if (buffer == null || buffer.capacity() != floats) {
              buffer = null; // let the last one go before allocating the next
              buffer = AllReduceBenchmark.allocate(floats);
            }
            AllReduceBenchmark.fill(buffer, 1);
            for (int i = 0, runs = Integer.parseInt(w[2]); i < runs; i++) {
              ring.barrier();
              ring.allReduce(buffer);
            }
            out.println("@REDUCED " + AllReduceBenchmark.checksum(buffer));
            break;
          case "CLOSE":
            ring.close();
            ring = null;
            out.println("@CLOSED");
            break;
          case "EXIT":
            return;
          default:
            throw new IllegalArgumentException("unknown command: " + line);
        }
      }
    } finally {
      if (ring != null) {
        ring.close();
      }
    }
  }

  private static void raw(String address, long bytes, int runs) throws Exception {
    int colon = address.lastIndexOf(':');
    try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1))))) {
      RawStream.tune(ch);
      ByteBuffer block = ByteBuffer.allocateDirect(RawStream.BLOCK);
      for (int i = 0; i < runs; i++) {
        RawStream.receive(ch, block, bytes);
      }
    }
  }
}

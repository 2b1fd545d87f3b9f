package dev.orca.collective;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A ring worker in a JVM of its own, driven over stdin/stdout by {@link TwoProcessRingTest}: prints
 * {@code ADDRESS host:port}, reads the address list, forms the ring as the given rank and runs a
 * scenario, printing what it saw.
 *
 * <p>Arguments: rank, scenario ({@code check}: reduce, broadcast, sum doubles and verify; {@code
 * loop}: reduce a large buffer until killed), number of floats.
 */
public final class RingWorkerMain {
  private RingWorkerMain() {}

  public static void main(String[] args) throws Exception {
    int rank = Integer.parseInt(args[0]);
    String scenario = args[1];
    int size = Integer.parseInt(args[2]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (RingAllReduce ring =
        RingAllReduce.open(
            RingHarness.options()
                .optTimeout(Duration.ofSeconds(10))
                .optChunkBytes(64 << 10)
                .build())) {
      out.println("ADDRESS " + ring.localAddress());
      List<String> addresses = Arrays.asList(in.readLine().trim().split(","));
      ring.connect(addresses, rank);
      if (scenario.equals("check")) {
        out.println(check(ring, rank, addresses.size(), size));
      } else {
        FloatBuffer buf = RingHarness.filled(rank, size);
        for (int step = 0; ; step++) {
          ring.allReduce(buf);
          out.println("STEP " + step);
        }
      }
    }
  }

  /**
   * Runs the scenario every worker of {@link TwoProcessRingTest} runs; returns "OK" or what
   * differed.
   */
  static String check(RingAllReduce ring, int rank, int workers, int size) {
    float[] expected = RingHarness.serialSum(workers, size);
    FloatBuffer buf = RingHarness.filled(rank, size);
    ring.allReduce(buf);
    for (int i = 0; i < size; i++) {
      if (buf.get(i) != expected[i]) {
        return "MISMATCH all-reduce element " + i + ": " + buf.get(i) + " != " + expected[i];
      }
    }
    FloatBuffer weights = RingHarness.direct(size);
    for (int i = 0; i < size; i++) {
      weights.put(i, rank == 0 ? i * 0.25f : 0);
    }
    ring.broadcast(weights);
    for (int i = 0; i < size; i++) {
      if (weights.get(i) != i * 0.25f) {
        return "MISMATCH broadcast element " + i;
      }
    }
    double[] metric = {rank + 0.5, 1};
    ring.allReduce(metric);
    ring.barrier();
    double expectedMetric = workers * (workers - 1) / 2.0 + workers * 0.5;
    if (metric[0] != expectedMetric || metric[1] != workers) {
      return "MISMATCH doubles " + Arrays.toString(metric);
    }
    return "OK";
  }
}

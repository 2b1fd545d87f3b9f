package dev.orca.collective;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Ring workers in a JVM of their own, driven over stdin/stdout by {@link TwoProcessRingTest}: opens
 * one endpoint per host group given, prints {@code ADDRESS a,b,...}, reads the ring's address list
 * and this JVM's ranks in it ({@code r,s addresses}), forms the ring and runs a scenario on each
 * endpoint, printing what it saw.
 *
 * <p>Arguments: scenario ({@code check}: reduce, broadcast, sum doubles and verify; {@code loop}:
 * reduce a large buffer until killed; {@code fold}: the two steps of {@link TransportEqualityTest},
 * compared with the rank-order fold; {@code fold-shared}: the same on {@link SharedFloats}), number
 * of floats, the shared-memory directory, the transport, and one host group per endpoint ({@code -}
 * for none).
 */
public final class RingWorkerMain {
  private RingWorkerMain() {}

  static RingOptions.Builder options(Path shm, Transport transport, String group) {
    RingOptions.Builder b =
        RingHarness.options()
            .optTimeout(Duration.ofSeconds(10))
            .optChunkBytes(64 << 10)
            .optSharedMemoryDirectory(shm)
            .optTransport(transport);
    return group.equals("-") ? b : b.optHostGroup(group);
  }

  public static void main(String[] args) throws Exception {
    String scenario = args[0];
    int size = Integer.parseInt(args[1]);
    Path shm = Path.of(args[2]);
    Transport transport = Transport.valueOf(args[3]);
    List<String> groups = Arrays.asList(args).subList(4, args.length);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    List<RingAllReduce> rings = new ArrayList<>();
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      List<String> mine = new ArrayList<>();
      for (String g : groups) {
        RingAllReduce r = RingAllReduce.open(options(shm, transport, g).build());
        rings.add(r);
        mine.add(r.localAddress());
      }
      out.println("ADDRESS " + String.join(",", mine));
      String[] line = in.readLine().trim().split(" ");
      int[] ranks = Arrays.stream(line[0].split(",")).mapToInt(Integer::parseInt).toArray();
      List<String> addresses = Arrays.asList(line[1].split(","));
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < rings.size(); i++) {
        RingAllReduce ring = rings.get(i);
        int rank = ranks[i];
        results.add(
            pool.submit(
                () -> {
                  ring.connect(addresses, rank);
                  return run(scenario, ring, rank, addresses.size(), size, out);
                }));
      }
      for (Future<String> f : results) {
        out.println(f.get(120, TimeUnit.SECONDS));
      }
    } finally {
      rings.forEach(RingAllReduce::close);
      pool.shutdownNow();
    }
  }

  private static String run(
      String scenario, RingAllReduce ring, int rank, int workers, int size, PrintStream out) {
    switch (scenario) {
      case "check":
        return ring.transport() + " " + check(ring, rank, workers, size);
      case "fold":
        return ring.transport() + " " + fold(ring, rank, workers);
      case "fold-shared":
        try (SharedFloats shared = sharedFloats(ring)) {
          return ring.transport() + " " + fold(ring, rank, workers, shared.buffer());
        }
      case "loop-shared":
        // never closed: the process is killed with it
        FloatBuffer shared =
            SharedFloats.allocate(size, ring.options().sharedMemoryDirectory()).buffer();
        shared.put(0, RingHarness.filled(rank, size), 0, size);
        for (int step = 0; ; step++) {
          ring.allReduce(shared);
          out.println("STEP " + step);
        }
      default:
        FloatBuffer buf = RingHarness.filled(rank, size);
        for (int step = 0; ; step++) {
          ring.allReduce(buf);
          out.println("STEP " + step);
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

  /** The two steps of {@link TransportEqualityTest}, each compared bit for bit with the fold. */
  static String fold(RingAllReduce ring, int rank, int workers) {
    return compare(TransportEqualityTest.twoSteps(rank, ring), workers);
  }

  /**
   * Shared floats in the ring's directory, 7 more than the steps need: they run on the view from
   * float 7, so a member's floats do not start at the start of its file.
   */
  static SharedFloats sharedFloats(RingAllReduce ring) {
    return SharedFloats.allocate(
        TransportEqualityTest.SIZE + 7, ring.options().sharedMemoryDirectory());
  }

  /** The two steps on {@code shared} from float 7, compared bit for bit with the fold. */
  static String fold(RingAllReduce ring, int rank, int workers, FloatBuffer shared) {
    FloatBuffer buf = shared.position(7).slice();
    return compare(TransportEqualityTest.twoSteps(rank, ring, buf), workers);
  }

  private static String compare(float[][] got, int workers) {
    for (int step = 0; step < 2; step++) {
      float[] fold = TransportEqualityTest.rankOrderFold(workers, step);
      for (int i = 0; i < fold.length; i++) {
        if (Float.floatToRawIntBits(fold[i]) != Float.floatToRawIntBits(got[step][i])) {
          return "MISMATCH step " + step + " element " + i + ": " + got[step][i] + " != " + fold[i];
        }
      }
    }
    return "OK";
  }
}

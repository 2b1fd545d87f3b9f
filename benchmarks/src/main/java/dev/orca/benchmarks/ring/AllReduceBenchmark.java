package dev.orca.benchmarks.ring;

import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.collective.Compression;
import dev.orca.collective.RingAllReduce;
import dev.orca.collective.RingOptions;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ring all-reduce between two worker processes on loopback, in GB/s of the buffer (buffer bytes
 * divided by the time of one all-reduce), against the rate of one raw TCP stream between the same
 * two processes. Raw and ring runs alternate, so that both see the same load on a shared machine.
 * Goal: at least 60 % of the raw rate.
 *
 * <pre>
 * JAVA_OPTS="-Xmx1g -XX:MaxDirectMemorySize=3g" bin/orca-run benchmarks \
 *     dev.orca.benchmarks.ring.AllReduceBenchmark [--sizes-mb 4,64,256] \
 *     [--compressions NONE,FP16,BF16] [--chunk-bytes 262144] [--runs 7]
 * </pre>
 *
 * This process is rank 0 and starts rank 1 itself, with the same JVM flags and class path.
 */
public final class AllReduceBenchmark {
  private static final String HOST = "127.0.0.1";

  private AllReduceBenchmark() {}

  public static void main(String[] args) throws Exception {
    int[] sizesMb = {4, 64, 256};
    List<Compression> compressions = List.of(Compression.NONE, Compression.FP16, Compression.BF16);
    int chunkBytes = RingOptions.DEFAULT_CHUNK_BYTES;
    int runs = 7;
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--sizes-mb":
          sizesMb = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
          break;
        case "--compressions":
          compressions = Arrays.stream(value.split(",")).map(Compression::valueOf).toList();
          break;
        case "--chunk-bytes":
          chunkBytes = Integer.parseInt(value);
          break;
        case "--runs":
          runs = Integer.parseInt(value);
          break;
        default:
          throw new IllegalArgumentException(
              "unknown option "
                  + args[i]
                  + "; use --sizes-mb, --compressions, --chunk-bytes, --runs");
      }
    }
    BenchmarkReport report =
        BenchmarkReport.start(
            "ring-allreduce",
            "ring all-reduce between 2 worker processes on loopback vs one raw TCP stream");
    List<RingAllReduce> rings = new ArrayList<>();
    try (WorkerProcess worker = new WorkerProcess(RingBenchmarkWorker.class);
        ServerSocketChannel server =
            ServerSocketChannel.open().bind(new InetSocketAddress(HOST, 0))) {
      worker.send(
          "RAWCONNECT " + HOST + ":" + ((InetSocketAddress) server.getLocalAddress()).getPort());
      try (SocketChannel raw = server.accept()) {
        RawStream.tune(raw);
        for (Compression c : compressions) {
          rings.add(connect(worker, c, chunkBytes));
        }
        Measurement m = new Measurement(worker, raw, compressions, rings, runs);
        for (int size : sizesMb) {
          m.measure(size, report);
        }
      }
    } finally {
      rings.forEach(RingAllReduce::close);
    }
    report.note(
        "medians of "
            + runs
            + " runs after warm-up, raw and ring runs alternating; chunk "
            + (chunkBytes >> 10)
            + " KiB; GB/s = buffer bytes (1e9) / time of one all-reduce");
    report.note(
        "each of the 2 workers sends and receives the whole buffer once (half in "
            + "reduce-scatter, half in all-gather), both directions at once; the raw stream goes one "
            + "way. On loopback both are bound by the CPU copying bytes through the kernel.");
    report.finish();
  }

  static RingOptions options(Compression compression, int chunkBytes) {
    // a fixed secret is fine here: both ends are this benchmark, on loopback
    return RingOptions.builder()
        .setSecret("allreduce-benchmark")
        .optHost(HOST)
        .optCompression(compression)
        .optChunkBytes(chunkBytes)
        .optName("bench-" + compression)
        .build();
  }

  private static RingAllReduce connect(WorkerProcess worker, Compression c, int chunkBytes)
      throws Exception {
    RingAllReduce ring = RingAllReduce.open(options(c, chunkBytes));
    try {
      worker.send("RING " + c + " " + chunkBytes);
      String peer = worker.expect("@ADDRESS");
      worker.send(ring.localAddress() + "," + peer);
      ring.connect(List.of(ring.localAddress(), peer), 0);
      return ring;
    } catch (Exception | Error e) {
      ring.close();
      throw e;
    }
  }

  static FloatBuffer allocate(int floats) {
    return ByteBuffer.allocateDirect(floats * Float.BYTES)
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /** Small values (sums stay small after the doublings), different per rank. */
  static void fill(FloatBuffer b, int rank) {
    for (int i = 0, n = b.capacity(); i < n; i++) {
      b.put(i, ((i % 97) - 48) * 0x1p-10f + rank * 0x1p-6f);
    }
  }

  static String checksum(FloatBuffer b) {
    double sum = 0;
    for (int i = 0, n = b.capacity(); i < n; i++) {
      sum += b.get(i) * (1 + (i & 7));
    }
    return Double.toHexString(sum);
  }
}

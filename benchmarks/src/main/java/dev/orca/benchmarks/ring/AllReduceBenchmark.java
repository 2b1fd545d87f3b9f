package dev.orca.benchmarks.ring;

import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.estimator.ring.Compression;
import dev.orca.estimator.ring.RingAllReduce;
import dev.orca.estimator.ring.RingOptions;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Ring all-reduce between two worker processes on loopback, in GB/s of the buffer (buffer bytes
 * divided by the time of one all-reduce), against the raw rate of one TCP stream between the
 * same two processes, measured in the same run. Goal: at least 60 % of the raw rate.
 *
 * <pre>
 * JAVA_OPTS="-Xmx1g -XX:MaxDirectMemorySize=2g" bin/orca-run benchmarks \
 *     dev.orca.benchmarks.ring.AllReduceBenchmark [--sizes-mb 4,64,256] \
 *     [--compressions NONE,FP16,BF16] [--chunk-bytes 262144] [--runs 7]
 * </pre>
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
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--sizes-mb":
          sizesMb = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
          break;
        case "--compressions":
          compressions = Arrays.stream(args[i + 1].split(",")).map(Compression::valueOf).toList();
          break;
        case "--chunk-bytes":
          chunkBytes = Integer.parseInt(args[i + 1]);
          break;
        case "--runs":
          runs = Integer.parseInt(args[i + 1]);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + args[i]
              + "; use --sizes-mb, --compressions, --chunk-bytes, --runs");
      }
    }
    BenchmarkReport report = BenchmarkReport.start("ring-allreduce",
        "ring all-reduce between 2 worker processes on loopback vs one raw TCP stream");
    try (WorkerProcess worker = new WorkerProcess(RingBenchmarkWorker.class)) {
      double[] raw = new double[sizesMb.length];
      for (int s = 0; s < sizesMb.length; s++) {
        raw[s] = rawRate(worker, sizesMb[s] * (1L << 20), runs);
        report.baseline(String.format("raw TCP, 1 stream, %d MB", sizesMb[s]), raw[s], "GB/s");
      }
      for (Compression c : compressions) {
        double[] rates = ringRates(worker, c, chunkBytes, sizesMb, runs);
        for (int s = 0; s < sizesMb.length; s++) {
          report.figure(String.format("all-reduce %d MB, %s", sizesMb[s], c), rates[s], "GB/s");
          report.ratio(String.format("all-reduce %d MB %s / raw", sizesMb[s], c), rates[s] / raw[s],
              ">= 0.60");
        }
      }
    }
    report.note("medians of " + runs + " runs after warm-up; chunk " + (chunkBytes >> 10)
        + " KiB; GB/s = buffer bytes / time of one all-reduce (1e9 bytes)");
    report.note("2 workers: each sends and receives the whole buffer once (half in reduce-scatter,"
        + " half in all-gather), both directions at once, while the raw stream goes one way");
    report.finish();
  }

  static RingOptions options(Compression compression, int chunkBytes) {
    // a fixed secret is fine here: both ends are this benchmark, on loopback
    return RingOptions.builder().setSecret("allreduce-benchmark").optHost(HOST)
        .optCompression(compression).optChunkBytes(chunkBytes).optName("bench").build();
  }

  /** Median GB/s of sending {@code bytes} over one stream to the worker. */
  private static double rawRate(WorkerProcess worker, long bytes, int runs) throws Exception {
    int warmups = warmups(bytes);
    try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(HOST, 0))) {
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      worker.send("RAW " + HOST + ":" + port + " " + bytes + " " + (warmups + runs));
      try (SocketChannel ch = server.accept()) {
        RawStream.tune(ch);
        ByteBuffer block = ByteBuffer.allocateDirect(RawStream.BLOCK);
        double[] seconds = new double[runs];
        for (int i = 0; i < warmups + runs; i++) {
          long t0 = System.nanoTime();
          RawStream.send(ch, block, bytes);
          if (i >= warmups) {
            seconds[i - warmups] = (System.nanoTime() - t0) / 1e9;
          }
        }
        worker.expect("@RAWDONE");
        return bytes / median(seconds) / 1e9;
      }
    }
  }

  /** Median GB/s of all-reducing each size with the worker, on one ring per compression. */
  private static double[] ringRates(WorkerProcess worker, Compression compression, int chunkBytes,
      int[] sizesMb, int runs) throws Exception {
    double[] rates = new double[sizesMb.length];
    try (RingAllReduce ring = RingAllReduce.open(options(compression, chunkBytes))) {
      worker.send("RING " + compression + " " + chunkBytes);
      String peer = worker.expect("@ADDRESS");
      worker.send(ring.localAddress() + "," + peer);
      ring.connect(List.of(ring.localAddress(), peer), 0);
      worker.expect("@CONNECTED");
      for (int s = 0; s < sizesMb.length; s++) {
        long bytes = sizesMb[s] * (1L << 20);
        int floats = (int) (bytes / Float.BYTES);
        int warmups = warmups(bytes);
        FloatBuffer buffer = allocate(floats);
        fill(buffer, 0);
        worker.send("REDUCE " + floats + " " + (warmups + runs));
        double[] seconds = new double[runs];
        for (int i = 0; i < warmups + runs; i++) {
          ring.barrier();
          long t0 = System.nanoTime();
          ring.allReduce(buffer);
          if (i >= warmups) {
            seconds[i - warmups] = (System.nanoTime() - t0) / 1e9;
          }
        }
        String theirs = worker.expect("@REDUCED");
        String ours = checksum(buffer);
        if (!ours.equals(theirs)) {
          throw new IllegalStateException("the two workers disagree after all-reducing " + sizesMb[s]
              + " MB with " + compression + ": checksum " + ours + " vs " + theirs);
        }
        check(buffer, compression, warmups + runs);
        rates[s] = bytes / median(seconds) / 1e9;
      }
      worker.send("CLOSE");
      worker.expect("@CLOSED");
    }
    return rates;
  }

  private static int warmups(long bytes) {
    return bytes <= (16L << 20) ? 5 : 2;
  }

  static FloatBuffer allocate(int floats) {
    return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /** Small values (sums stay small after the doublings), different per rank. */
  static void fill(FloatBuffer b, int rank) {
    for (int i = 0, n = b.capacity(); i < n; i++) {
      b.put(i, ((i % 97) - 48) * 0x1p-10f + rank * 0x1p-6f);
    }
  }

  /** After k all-reduces of two workers, element i is 2^(k-1) (v0 + v1): exact without compression. */
  private static void check(FloatBuffer b, Compression compression, int reductions) {
    double tolerance = compression == Compression.NONE ? 0 : 0.02;
    for (int i = 0, n = b.capacity(); i < n; i += 9973) {
      double expected = Math.scalb((2 * (((i % 97) - 48) * 0x1p-10) + 0x1p-6), reductions - 1);
      if (Math.abs(b.get(i) - expected) > tolerance * Math.scalb(1.0, reductions)) {
        throw new IllegalStateException("wrong sum at element " + i + ": " + b.get(i) + " instead of "
            + expected + " (" + compression + ")");
      }
    }
  }

  static String checksum(FloatBuffer b) {
    double sum = 0;
    for (int i = 0, n = b.capacity(); i < n; i++) {
      sum += b.get(i) * (1 + (i & 7));
    }
    return Double.toHexString(sum);
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}

package dev.orca.benchmarks.ring;

import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.collective.Compression;
import dev.orca.collective.RingAllReduce;
import dev.orca.collective.RingOptions;
import dev.orca.collective.SharedFloats;
import dev.orca.collective.Transport;
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
 * All-reduce between two worker processes on this host, in GB/s of the buffer (buffer bytes divided
 * by the time of one all-reduce), for each transport: over TCP on loopback (goal: at least 60 % of
 * the rate of one raw TCP stream between the same two processes) and through a shared-memory
 * segment (goal: at least 3 times the TCP ring's rate). Raw, TCP and shared-memory runs alternate,
 * so that all see the same load on a shared machine.
 *
 * <pre>
 * JAVA_OPTS="-Xmx1g -XX:MaxDirectMemorySize=3g" bin/orca-run benchmarks \
 *     dev.orca.benchmarks.ring.AllReduceBenchmark [--sizes-mb 4,64,256] \
 *     [--transports TCP,SHARED_MEMORY] [--compressions NONE,FP16,BF16] \
 *     [--chunk-bytes 262144] [--runs 7]
 * </pre>
 *
 * Compression applies to TCP only (through shared memory nothing is narrowed). This process is rank
 * 0 and starts rank 1 itself, with the same JVM flags and class path.
 */
public final class AllReduceBenchmark {
  private static final String HOST = "127.0.0.1";

  private AllReduceBenchmark() {}

  public static void main(String[] args) throws Exception {
    int[] sizesMb = {4, 64, 256};
    List<Compression> compressions = List.of(Compression.NONE, Compression.FP16, Compression.BF16);
    List<Transport> transports = List.of(Transport.TCP, Transport.SHARED_MEMORY);
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
        case "--transports":
          transports = Arrays.stream(value.split(",")).map(Transport::valueOf).toList();
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
                  + "; use --sizes-mb, --transports, --compressions, --chunk-bytes, --runs");
      }
    }
    BenchmarkReport report =
        BenchmarkReport.start(
            "ring-allreduce",
            "all-reduce between 2 worker processes on one host, per transport, vs one raw TCP"
                + " stream");
    List<Setup> setups = new ArrayList<>();
    for (Transport t : transports) {
      for (Compression c : compressions) {
        if (t == Transport.TCP || c == Compression.NONE) {
          setups.add(new Setup(t, c, false));
          if (t == Transport.SHARED_MEMORY) {
            setups.add(new Setup(t, c, true)); // the workers' buffers are SharedFloats
          }
        }
      }
    }
    List<RingAllReduce> rings = new ArrayList<>();
    try (WorkerProcess worker = new WorkerProcess(RingBenchmarkWorker.class);
        ServerSocketChannel server =
            ServerSocketChannel.open().bind(new InetSocketAddress(HOST, 0))) {
      worker.send(
          "RAWCONNECT " + HOST + ":" + ((InetSocketAddress) server.getLocalAddress()).getPort());
      try (SocketChannel raw = server.accept()) {
        RawStream.tune(raw);
        for (Setup setup : setups) {
          RingAllReduce ring = connect(worker, setup, chunkBytes);
          rings.add(ring);
          report.note(setup + " runs " + ring.transport() + ": " + ring.placement());
        }
        Measurement m = new Measurement(worker, raw, setups, rings, runs);
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
        "TCP: rank 0 sends its buffer to rank 1, which adds its own and sends the sum back, chunk by"
            + " chunk, both directions at once; the raw stream goes one way. On loopback both are"
            + " bound by the CPU copying bytes through the kernel. Shared memory, copying: each"
            + " worker copies its floats into the segment, sums half of every chunk from both"
            + " copies and takes the result back, no kernel involved. In place: the buffers are"
            + " SharedFloats; each worker sums half of every chunk straight from both buffers and"
            + " writes it into both, with no copy in or out.");
    report.finish();
  }

  /**
   * A transport with a compression: one ring of the benchmark; {@code inPlace}: the workers'
   * buffers are {@link SharedFloats}, which the others read and write where they are.
   */
  record Setup(Transport transport, Compression compression, boolean inPlace) {
    @Override
    public String toString() {
      return transport == Transport.TCP
          ? "TCP " + compression
          : transport + (inPlace ? " in place" : " copying");
    }

    String key() {
      return transport + "/" + compression + (inPlace ? "/in-place" : "");
    }

    static Setup of(String key) {
      String[] p = key.split("/");
      return new Setup(Transport.valueOf(p[0]), Compression.valueOf(p[1]), p.length > 2);
    }
  }

  static RingOptions options(Setup setup, int chunkBytes) {
    // a fixed secret is fine here: both ends are this benchmark, on loopback
    return RingOptions.builder()
        .setSecret("allreduce-benchmark")
        .optHost(HOST)
        .optTransport(setup.transport())
        .optCompression(setup.compression())
        .optChunkBytes(chunkBytes)
        .optName(
            "bench-"
                + setup.transport()
                + "-"
                + setup.compression()
                + (setup.inPlace() ? "-in-place" : ""))
        .build();
  }

  private static RingAllReduce connect(WorkerProcess worker, Setup setup, int chunkBytes)
      throws Exception {
    RingAllReduce ring = RingAllReduce.open(options(setup, chunkBytes));
    try {
      worker.send("RING " + setup.key() + " " + chunkBytes);
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

  /**
   * A buffer for {@code setup}'s ring: a direct buffer, or shared floats (added to {@code owned},
   * which the caller closes once the ring is done with them).
   */
  static FloatBuffer allocate(
      Setup setup, RingAllReduce ring, int floats, List<SharedFloats> owned) {
    if (!setup.inPlace()) {
      return allocate(floats);
    }
    SharedFloats shared = SharedFloats.allocate(floats, ring.options().sharedMemoryDirectory());
    owned.add(shared);
    return shared.buffer();
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

package dev.orca.benchmarks.ring;

import static dev.orca.benchmarks.Timing.median;

import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.collective.Compression;
import dev.orca.collective.RingAllReduce;
import dev.orca.collective.SharedFloats;
import dev.orca.collective.Transport;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * One buffer size of {@link AllReduceBenchmark}: alternates a raw-stream run with one all-reduce
 * per transport and compression, then checks that both workers hold the same, correct sums.
 */
final class Measurement {
  private final WorkerProcess worker;
  private final SocketChannel raw;
  private final List<AllReduceBenchmark.Setup> setups;
  private final List<RingAllReduce> rings;
  private final int runs;
  private final ByteBuffer block = ByteBuffer.allocateDirect(RawStream.BLOCK);

  Measurement(
      WorkerProcess worker,
      SocketChannel raw,
      List<AllReduceBenchmark.Setup> setups,
      List<RingAllReduce> rings,
      int runs) {
    this.worker = worker;
    this.raw = raw;
    this.setups = setups;
    this.rings = rings;
    this.runs = runs;
  }

  void measure(int sizeMb, BenchmarkReport report) throws Exception {
    long bytes = sizeMb * (1L << 20);
    int floats = (int) (bytes / Float.BYTES);
    FloatBuffer[] buffers = new FloatBuffer[setups.size()];
    List<SharedFloats> owned = new ArrayList<>();
    try {
      for (int c = 0; c < buffers.length; c++) {
        buffers[c] = AllReduceBenchmark.allocate(setups.get(c), rings.get(c), floats, owned);
        AllReduceBenchmark.fill(buffers[c], 0);
      }
      measure(sizeMb, bytes, floats, buffers, report);
    } finally {
      owned.forEach(SharedFloats::close);
    }
  }

  private void measure(
      int sizeMb, long bytes, int floats, FloatBuffer[] buffers, BenchmarkReport report)
      throws Exception {
    int warmups = bytes <= (16L << 20) ? 5 : 2;
    double[] rawSeconds = new double[runs];
    double[] copySeconds = new double[runs];
    double[][] ringSeconds = new double[setups.size()][runs];
    // what bounds a reduction through memory: one core copying the buffer, warm
    ByteBuffer from = ByteBuffer.allocateDirect((int) bytes);
    ByteBuffer to = ByteBuffer.allocateDirect((int) bytes);
    for (int i = 0; i < warmups + runs; i++) {
      worker.send("RAW " + bytes);
      long t0 = System.nanoTime();
      RawStream.send(raw, block, bytes);
      record(rawSeconds, i - warmups, t0);
      t0 = System.nanoTime();
      to.clear().put(from.clear());
      record(copySeconds, i - warmups, t0);
      for (int c = 0; c < buffers.length; c++) {
        worker.send("REDUCE " + setups.get(c).key() + " " + floats);
        rings.get(c).barrier();
        t0 = System.nanoTime();
        rings.get(c).allReduce(buffers[c]);
        record(ringSeconds[c], i - warmups, t0);
      }
    }
    double rawRate = bytes / median(rawSeconds) / 1e9;
    report.baseline(String.format("raw TCP, 1 stream, %d MB", sizeMb), rawRate, "GB/s");
    double copyRate = bytes / median(copySeconds) / 1e9;
    report.baseline(String.format("memory copy, 1 core, warm, %d MB", sizeMb), copyRate, "GB/s");
    double tcpRate = Double.NaN;
    for (int c = 0; c < buffers.length; c++) {
      AllReduceBenchmark.Setup setup = setups.get(c);
      check(buffers[c], setup, warmups + runs);
      double rate = bytes / median(ringSeconds[c]) / 1e9;
      report.figure(String.format("all-reduce %d MB, %s", sizeMb, setup), rate, "GB/s");
      if (setup.transport() == Transport.TCP) {
        report.ratio(
            String.format("all-reduce %d MB %s / raw", sizeMb, setup), rate / rawRate, ">= 0.60");
        if (setup.compression() == Compression.NONE) {
          tcpRate = rate;
        }
      } else if (!Double.isNaN(tcpRate)) {
        report.ratio(
            String.format("all-reduce %d MB %s / TCP NONE", sizeMb, setup), rate / tcpRate, ">= 3");
        report.ratio(String.format("all-reduce %d MB %s / raw", sizeMb, setup), rate / rawRate, "");
        report.ratio(
            String.format("all-reduce %d MB %s / memory copy", sizeMb, setup),
            rate / copyRate,
            setup.inPlace()
                ? "(each worker moves about 1x the buffer)"
                : "(each worker copies about 2x the buffer)");
      }
    }
  }

  private static void record(double[] seconds, int run, long t0) {
    if (run >= 0) {
      seconds[run] = (System.nanoTime() - t0) / 1e9;
    }
  }

  /** Both workers agree, and after k all-reduces element i is 2^(k-1) (v0 + v1). */
  private void check(FloatBuffer b, AllReduceBenchmark.Setup setup, int reductions)
      throws Exception {
    Compression compression = setup.compression();
    worker.send("SUM " + setup.key());
    String theirs = worker.expect("@SUM");
    String ours = AllReduceBenchmark.checksum(b);
    if (!ours.equals(theirs)) {
      throw new IllegalStateException(
          "the two workers disagree after "
              + compression
              + " all-reduces: checksum "
              + ours
              + " vs "
              + theirs);
    }
    double tolerance = compression == Compression.NONE ? 0 : 0.02;
    for (int i = 0, n = b.capacity(); i < n; i += 9973) {
      double expected = Math.scalb(2 * (((i % 97) - 48) * 0x1p-10) + 0x1p-6, reductions - 1);
      if (Math.abs(b.get(i) - expected) > tolerance * Math.scalb(1.0, reductions)) {
        throw new IllegalStateException(
            "wrong sum at element "
                + i
                + ": "
                + b.get(i)
                + " instead of "
                + expected
                + " ("
                + compression
                + ")");
      }
    }
  }
}

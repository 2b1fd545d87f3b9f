package dev.orca.benchmarks.data;

import static dev.orca.benchmarks.Timing.median;

import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.IpcCompression;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardList;
import dev.orca.arrow.internal.SlabPool;
import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.benchmarks.Timing;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * DataFrame to XShards ready for training: {@code rows} rows (default 2 million) of 32 float
 * features and a label, from a cached DataFrame into off-heap feature and label blocks held by
 * their Spark tasks, in MB of feature data per second. Baselines in the same run: the row path a
 * user would otherwise write ({@code collectAsList} and {@code toLocalIterator} into float arrays),
 * Spark's own export to Arrow batches ({@code toArrowBatchRdd}, behind PySpark's Arrow {@code
 * toPandas}) and a plain memory copy of the same bytes on one thread. Then Arrow IPC bytes out and
 * back in.
 *
 * <pre>
 * bin/orca-run benchmarks dev.orca.benchmarks.data.DataFrameToXShardsBenchmark [rows] [runs]
 * </pre>
 */
public final class DataFrameToXShardsBenchmark {
  private static final int FEATURES = 32;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private DataFrameToXShardsBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchmarkArgs parsed =
        BenchmarkArgs.parse(
            "DataFrameToXShardsBenchmark [rows=2000000] [runs=5]", args, "rows", "runs");
    long rows = parsed.longInteger("rows", 2_000_000L);
    int runs = parsed.integer("runs", 5);
    try (OrcaContext orca = OrcaContext.builder().appName("DataFrameToXShardsBenchmark").start()) {
      int cores = orca.coresPerNode();
      int partitions = 2 * cores;
      Dataset<Row> df = frame(orca, rows, partitions).cache();
      df.count(); // materialise the cache: what is measured is the conversion, not the generation
      double mb = rows * FEATURES * Float.BYTES / 1e6;
      List<String> features = new ArrayList<>();
      for (int j = 0; j < FEATURES; j++) {
        features.add("f" + j);
      }

      // the machine is shared: besides wall time, the CPU time of the converting tasks gives a
      // per-core
      // rate that other load does not distort
      LongAccumulator taskCpu = orca.spark().sparkContext().longAccumulator("conversion CPU ns");
      double[] cpuSeconds = new double[runs];
      double[] setupSeconds = new double[runs];
      int[] run = {-2};
      // the first conversion of the JVM on its own: what a single fit pays (cold code, memory the
      // process never had), beside the medians of the warm runs below
      long first0 = System.nanoTime();
      taskCpu.reset();
      holdAllShards(XShards.fromDataFrame(df, features, List.of("label")), taskCpu);
      double firstWall = (System.nanoTime() - first0) / 1e9;
      double firstCpu = taskCpu.value() / 1e9;
      Timing toXShards =
          Timing.of(
              2,
              runs,
              () -> {
                taskCpu.reset();
                long t0 = System.nanoTime();
                XShards xs = XShards.fromDataFrame(df, features, List.of("label"));
                long setup = System.nanoTime() - t0;
                holdAllShards(xs, taskCpu);
                if (run[0] >= 0) {
                  cpuSeconds[run[0]] = taskCpu.value() / 1e9;
                  setupSeconds[run[0]] = setup / 1e9;
                }
                run[0]++;
              });
      // Spark's own export of the cached DataFrame to Arrow batches (the path of PySpark's Arrow
      // toPandas), every task holding its batches as XShards' tasks hold their shards
      double[] sparkCpu = new double[runs];
      int[] sparkRun = {-1};
      Timing sparkArrow =
          Timing.of(
              1,
              runs,
              () -> {
                taskCpu.reset();
                holdArrowBatches(df, taskCpu);
                if (sparkRun[0] >= 0) {
                  sparkCpu[sparkRun[0]] = taskCpu.value() / 1e9;
                }
                sparkRun[0]++;
              });
      Timing collect =
          Timing.of(1, Math.max(1, runs / 2), () -> rowPath(df.collectAsList().iterator(), rows));
      Timing localIterator =
          Timing.of(1, Math.max(1, runs / 2), () -> rowPath(df.toLocalIterator(), rows));
      long bytes = (long) (mb * 1e6);
      double copyCpu = medianCpuSeconds(runs, () -> warmCopy(bytes));
      double freshCopyCpu = medianCpuSeconds(runs, () -> freshCopy(bytes));
      double rowPath = Math.min(collect.median(), localIterator.median());
      double convertCpu = median(cpuSeconds);
      double sparkArrowCpu = median(sparkCpu);
      int used = Math.min(cores, partitions);

      BenchmarkReport report =
          BenchmarkReport.start(
                  "dataframe-to-xshards",
                  "DataFrame (cached) to XShards ready for training, "
                      + rows
                      + " rows x "
                      + FEATURES
                      + " float features + label")
              .note(
                  String.format(
                      "%d cores, %d partitions, %.1f MB of features (1 MB = 10^6 bytes), medians of %d runs",
                      cores, partitions, mb, runs))
              .figure(
                  "XShards.fromDataFrame, shards held in tasks (wall)",
                  mb / toXShards.median(),
                  "MB/s")
              .figure("  per core: MB per task CPU-second", mb / convertCpu, "MB/s")
              .figure("  first conversion of the JVM (wall)", mb / firstWall, "MB/s")
              .figure("  first conversion, MB per task CPU-second", mb / firstCpu, "MB/s")
              .baseline(
                  "Spark toArrowBatchRdd, batches held in tasks (wall)",
                  mb / sparkArrow.median(),
                  "MB/s")
              .baseline("  per core: MB per task CPU-second", mb / sparkArrowCpu, "MB/s")
              .baseline(
                  "row path: collectAsList into float[][] (wall)", mb / collect.median(), "MB/s")
              .baseline(
                  "row path: toLocalIterator into float[][] (wall)",
                  mb / localIterator.median(),
                  "MB/s")
              .baseline("memory copy, warm off-heap memory, per CPU-second", mb / copyCpu, "MB/s")
              .baseline(
                  "memory copy into new off-heap memory, per CPU-second", mb / freshCopyCpu, "MB/s")
              .ratio("XShards / faster row path (wall)", rowPath / toXShards.median(), ">= 10")
              .ratio("XShards per core / memory copy per core", copyCpu / convertCpu, ">= 0.25")
              .ratio(
                  "XShards per core / toArrowBatchRdd per core", sparkArrowCpu / convertCpu, ">= 3")
              .ratio(
                  "XShards / toArrowBatchRdd (wall)", sparkArrow.median() / toXShards.median(), "")
              .ratio("first XShards per core / memory copy per core", copyCpu / firstCpu, "")
              .ratio(
                  "XShards per core / copy into new memory per core", freshCopyCpu / convertCpu, "")
              .note(
                  String.format(
                      "%d tasks convert at once; wall-clock medians: conversion %.3f s (of which"
                          + " %.3f s making the XShards: planning and the probe job), task CPU %.3f s; row paths %.2f s / %.2f s",
                      used,
                      toXShards.median(),
                      median(setupSeconds),
                      convertCpu,
                      collect.median(),
                      localIterator.median()));
      SlabPool pool = SlabPool.get();
      report.note(
          String.format(
              "shard memory pool (cap %d MiB): %d slabs taken from it, %d allocated, %d freed;"
                  + " %.1f MiB kept after the conversions",
              SlabPool.readMaxBytes() >> 20,
              pool.reusedSlabs(),
              pool.allocatedSlabs(),
              pool.freedSlabs(),
              pool.idleBytes() / 1048576.0));
      report.note(
          "toArrowBatchRdd's plan reads the cache: "
              + planAnew(df)
                  .queryExecution()
                  .executedPlan()
                  .toString()
                  .contains("InMemoryTableScan"));
      ipc(report, orca, df, features, runs);
      report.finish();
    }
  }

  static Dataset<Row> frame(OrcaContext orca, long rows, int partitions) {
    String[] columns = new String[FEATURES + 1];
    for (int j = 0; j < FEATURES; j++) {
      columns[j] = "cast(rand(" + j + ") as float) as f" + j;
    }
    columns[FEATURES] = "cast(floor(rand(99) * 10) as float) as label";
    return orca.spark().range(0, rows, 1, partitions).selectExpr(columns);
  }

  /**
   * What a trainer does with its partition: takes every shard and keeps it (closed here at the
   * end); adds the CPU time the task spent converting to {@code cpu}.
   */
  static void holdAllShards(XShards xs, LongAccumulator cpu) {
    xs.rdd()
        .foreachPartition(
            it -> {
              long start = THREADS.getCurrentThreadCpuTime();
              List<Shard> held = new ArrayList<>();
              try {
                it.forEachRemaining(held::add);
                cpu.add(THREADS.getCurrentThreadCpuTime() - start);
              } finally {
                Shard.closeAll(held);
              }
            });
  }

  /**
   * Spark's export of {@code df} to Arrow IPC batches ({@code toArrowBatchRdd} of the classic
   * Dataset), each task holding the batches it made until it has made them all; adds the CPU time
   * of the tasks to {@code cpu}.
   */
  static void holdArrowBatches(Dataset<Row> df, LongAccumulator cpu) {
    org.apache.spark.sql.classic.Dataset<Row> classic =
        (org.apache.spark.sql.classic.Dataset<Row>) planAnew(df);
    classic
        .toArrowBatchRdd()
        .toJavaRDD()
        .foreachPartition(
            it -> {
              long start = THREADS.getCurrentThreadCpuTime();
              List<byte[]> held = new ArrayList<>();
              it.forEachRemaining(held::add);
              cpu.add(THREADS.getCurrentThreadCpuTime() - start);
              if (held.isEmpty()) {
                throw new IllegalStateException("a partition gave no Arrow batch");
              }
            });
  }

  /**
   * The same rows in a new Dataset, whose plan reads the cache (a Dataset keeps the plan it made
   * before {@code cache()}).
   */
  static Dataset<Row> planAnew(Dataset<Row> df) {
    return df.select(java.util.Arrays.stream(df.columns()).map(df::col).toArray(Column[]::new));
  }

  /** The rows into one float array per row and a label array, as user code would. */
  static void rowPath(Iterator<Row> it, long rows) {
    float[][] x = new float[(int) rows][];
    float[] y = new float[(int) rows];
    int i = 0;
    while (it.hasNext()) {
      Row r = it.next();
      float[] f = new float[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        f[j] = r.getFloat(j);
      }
      x[i] = f;
      y[i++] = r.getFloat(FEATURES);
    }
    if (i != rows) {
      throw new IllegalStateException("read " + i + " rows, expected " + rows);
    }
  }

  /**
   * A copy of {@code bytes} between two buffers already touched: the machine's memory bandwidth.
   */
  static void warmCopy(long bytes) {
    try (BufferAllocator allocator =
            ArrowMemory.root().newChildAllocator("memory copy", 0, Long.MAX_VALUE);
        ArrowBuf from = allocator.buffer(bytes);
        ArrowBuf to = allocator.buffer(bytes)) {
      from.setZero(0, bytes);
      to.setZero(0, bytes);
      long start = THREADS.getCurrentThreadCpuTime();
      MemoryUtil.copyMemory(from.memoryAddress(), to.memoryAddress(), bytes);
      lastCpu = THREADS.getCurrentThreadCpuTime() - start;
    }
  }

  /**
   * A copy of {@code bytes} into memory just allocated, in batch-sized pieces as shards are: what
   * any conversion that makes new data pays, page faults included.
   */
  static void freshCopy(long bytes) {
    long piece = 16384L * 33 * Float.BYTES;
    try (BufferAllocator allocator =
            ArrowMemory.root().newChildAllocator("fresh copy", 0, Long.MAX_VALUE);
        ArrowBuf from = allocator.buffer(piece)) {
      from.setZero(0, piece);
      List<ArrowBuf> held = new ArrayList<>();
      long start = THREADS.getCurrentThreadCpuTime();
      for (long done = 0; done < bytes; done += piece) {
        ArrowBuf to = allocator.buffer(piece);
        MemoryUtil.copyMemory(from.memoryAddress(), to.memoryAddress(), piece);
        held.add(to);
      }
      lastCpu = THREADS.getCurrentThreadCpuTime() - start;
      held.forEach(ArrowBuf::close);
    }
  }

  private static long lastCpu;

  /**
   * The median CPU time of {@code runs} runs (after one warm-up) of work that sets {@link
   * #lastCpu}.
   */
  static double medianCpuSeconds(int runs, Runnable work) {
    work.run();
    double[] s = new double[runs];
    for (int i = 0; i < runs; i++) {
      work.run();
      s[i] = lastCpu / 1e9;
    }
    return median(s);
  }

  /**
   * Arrow IPC bytes out and back in, on one thread, over shards collected to the driver; rates in
   * MB of uncompressed IPC bytes per second, so the codecs compare on the same data. The codecs run
   * on the first shards only (about 16 MB): LZ4 from commons-compress is slow on random floats.
   */
  static void ipc(
      BenchmarkReport report, OrcaContext orca, Dataset<Row> df, List<String> features, int runs)
      throws Exception {
    try (ShardList shards = XShards.fromDataFrame(df, features, List.of("label")).collect()) {
      for (IpcCompression c : IpcCompression.values()) {
        List<Shard> sample = c == IpcCompression.NONE ? shards : firstMegabytes(shards, 16);
        byte[][] bytes = new byte[sample.size()][];
        Timing out =
            Timing.of(
                1,
                c == IpcCompression.NONE ? runs : 1,
                () -> {
                  for (int i = 0; i < sample.size(); i++) {
                    bytes[i] = ArrowIpc.toBytes(sample.get(i), c);
                  }
                });
        Timing in =
            Timing.of(
                1,
                runs,
                () -> {
                  for (byte[] b : bytes) {
                    ArrowIpc.fromBytes(b, ArrowMemory.root()).close();
                  }
                });
        long packed = 0;
        for (byte[] b : bytes) {
          packed += b.length;
        }
        double raw = 0;
        for (Shard s : sample) {
          raw += ArrowIpc.toBytes(s).length / 1e6;
        }
        report.figure("IPC bytes out, " + c + ", one thread", raw / out.median(), "MB/s");
        report.figure("IPC bytes in, " + c + ", one thread", raw / in.median(), "MB/s");
        report.note(
            String.format(
                "IPC %s: %.1f MB of bytes for %.1f MB uncompressed", c, packed / 1e6, raw));
      }
    }
  }

  private static List<Shard> firstMegabytes(List<Shard> shards, int mb) {
    List<Shard> out = new ArrayList<>();
    long bytes = 0;
    for (Shard s : shards) {
      if (bytes >= mb * 1_000_000L) {
        break;
      }
      out.add(s);
      bytes += s.features().byteSize();
    }
    return out;
  }
}

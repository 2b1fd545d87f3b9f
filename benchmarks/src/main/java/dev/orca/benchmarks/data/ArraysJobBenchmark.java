package dev.orca.benchmarks.data;

import static dev.orca.benchmarks.Timing.median;

import dev.orca.arrow.ConversionOptions;
import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.data.internal.ArrayShards;
import dev.orca.data.internal.ShardStreams;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Jobs over {@code XShards.fromArrays} (the driver's rows, sent to the executors as one broadcast
 * per partition) against the same Arrow IPC bytes in the partitions of a Spark {@code parallelize}
 * (how fromArrays sent them before 2026-11-30: inside every task), both read into shards by the
 * same code: a count of rows per job, cached and not cached, in alternate rounds, medians. Embedded
 * (local[2]); the scaling benchmark's data size by default (65,536 rows of 784 floats).
 *
 * <pre>
 * bin/orca-run benchmarks dev.orca.benchmarks.data.ArraysJobBenchmark [rows=65536] [runs=7]
 * </pre>
 */
public final class ArraysJobBenchmark {
  private static final int WIDTH = 784;

  private ArraysJobBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchmarkArgs parsed =
        BenchmarkArgs.parse("ArraysJobBenchmark [rows=65536] [runs=7]", args, "rows", "runs");
    int rows = parsed.integer("rows", 65536);
    int runs = parsed.integer("runs", 7);
    SplittableRandom random = new SplittableRandom(7);
    float[][] x = new float[rows][WIDTH];
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < WIDTH; j++) {
        x[r][j] = (float) random.nextDouble();
      }
      y[r] = r % 10;
    }
    BenchmarkReport report =
        BenchmarkReport.start(
            "arrays-job",
            "jobs over XShards.fromArrays (broadcast per partition) against the same bytes in a"
                + " parallelize, "
                + rows
                + " rows of "
                + WIDTH
                + " floats, 2 partitions");
    try (OrcaContext orca = OrcaContext.builder().appName("ArraysJobBenchmark").start()) {
      JavaSparkContext jsc = orca.sparkContext();
      XShards fromArrays = XShards.fromArrays(x, y, 2);
      float[][] labels = new float[rows][];
      for (int r = 0; r < rows; r++) {
        labels[r] = new float[] {y[r]};
      }
      List<List<byte[]>> parts =
          ArrayShards.split(x, labels, 2, ConversionOptions.defaults(), "parallelized");
      JavaRDD<byte[]> bytes = jsc.parallelize(parts, 2).flatMap(List::iterator);
      XShards parallelized =
          XShards.of(ShardStreams.fromBytes(bytes, "parallelized"), fromArrays.schema());
      double mb = (double) rows * (WIDTH + 1) * Float.BYTES / 1e6;
      report.note(String.format("%.0f MB of rows, %.0f MB per partition", mb, mb / 2));

      double[][] notCached = alternate(runs, parallelized, fromArrays, rows);
      parallelized.cache();
      fromArrays.cache();
      double[][] first = {{timedCount(parallelized, rows)}, {timedCount(fromArrays, rows)}};
      double[][] cached = alternate(runs, parallelized, fromArrays, rows);
      report
          .baseline("parallelize, not cached, s per job", median(notCached[0]), "s")
          .figure("fromArrays, not cached, s per job", median(notCached[1]), "s")
          .ratio(
              "not cached: parallelize / fromArrays",
              median(notCached[0]) / median(notCached[1]),
              "")
          .baseline("parallelize, first job of cache(), s", first[0][0], "s")
          .figure("fromArrays, first job of cache(), s", first[1][0], "s")
          .baseline("parallelize, cached, s per job", median(cached[0]), "s")
          .figure("fromArrays, cached, s per job", median(cached[1]), "s")
          .ratio("cached: parallelize / fromArrays", median(cached[0]) / median(cached[1]), "");
      parallelized.uncache();
      fromArrays.uncache();
    }
    report.finish();
  }

  /**
   * Seconds per count, the parallelized data and fromArrays in turn, after one of each unmeasured.
   */
  private static double[][] alternate(int runs, XShards a, XShards b, long rows) {
    double[][] s = new double[2][runs];
    for (int i = -1; i < runs; i++) {
      XShards[] both = {a, b};
      for (int k = 0; k < 2; k++) {
        double took = timedCount(both[k], rows);
        if (i >= 0) {
          s[k][i] = took;
        }
      }
    }
    return s;
  }

  private static double timedCount(XShards xs, long rows) {
    long t0 = System.nanoTime();
    long n = xs.count();
    double took = (System.nanoTime() - t0) / 1e9;
    if (n != rows) {
      throw new IllegalStateException(n + " rows counted, " + rows + " expected");
    }
    return took;
  }
}

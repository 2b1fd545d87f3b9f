package dev.orca.benchmarks.data;

import static org.apache.spark.sql.functions.col;

import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.benchmarks.Timing;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * DataFrame to XShards for a Spark ML vector column against the same values as an array column (the
 * conversion benchmark's data: {@code rows} rows of 32 features, a cached DataFrame, shards held in
 * the tasks): dense vectors, and sparse ones (half the values zero) against their dense arrays.
 * Medians of {@code runs} runs after two warm-ups, wall time and the tasks' CPU time.
 *
 * <pre>
 * bin/orca-run benchmarks dev.orca.benchmarks.data.VectorConversionBenchmark [rows] [runs]
 * </pre>
 */
public final class VectorConversionBenchmark {
  private static final int FEATURES = 32;

  private VectorConversionBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchmarkArgs parsed =
        BenchmarkArgs.parse(
            "VectorConversionBenchmark [rows=2000000] [runs=5]", args, "rows", "runs");
    long rows = parsed.longInteger("rows", 2_000_000L);
    int runs = parsed.integer("runs", 5);
    try (OrcaContext orca = OrcaContext.builder().appName("VectorConversionBenchmark").start()) {
      int partitions = 2 * orca.coresPerNode();
      String[] columns = new String[FEATURES];
      String[] halfZero = new String[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        columns[j] = "f" + j;
        halfZero[j] = "z" + j;
      }
      Dataset<Row> frame = DataFrameToXShardsBenchmark.frame(orca, rows, partitions);
      for (int j = 0; j < FEATURES; j++) {
        frame = frame.withColumn("z" + j, j % 2 == 0 ? col("f" + j) : col("f" + j).multiply(0));
      }
      Dataset<Row> vectors =
          new VectorAssembler().setInputCols(columns).setOutputCol("vec").transform(frame);
      vectors =
          new VectorAssembler().setInputCols(halfZero).setOutputCol("sparse").transform(vectors);
      Dataset<Row> df =
          vectors
              .select(
                  col("vec"),
                  functions.vector_to_array(col("vec"), "float64").as("arr"),
                  col("sparse"),
                  functions.vector_to_array(col("sparse"), "float64").as("sparse_arr"),
                  col("label"))
              .cache();
      df.count();
      LongAccumulator cpu = orca.spark().sparkContext().longAccumulator("conversion CPU ns");
      double mb = rows * FEATURES * Float.BYTES / 1e6;
      double[] cpuSeconds = new double[4];
      Timing[] t = new Timing[4];
      String[] cols = {"vec", "arr", "sparse", "sparse_arr"};
      for (int c = 0; c < 4; c++) {
        String column = cols[c];
        double[] perRun = new double[runs];
        int[] run = {-2};
        t[c] =
            Timing.of(
                2,
                runs,
                () -> {
                  cpu.reset();
                  DataFrameToXShardsBenchmark.holdAllShards(
                      XShards.fromDataFrame(df, List.of(column), List.of("label")), cpu);
                  if (run[0] >= 0) {
                    perRun[run[0]] = cpu.value() / 1e9;
                  }
                  run[0]++;
                });
        cpuSeconds[c] = Timing.median(perRun);
      }
      long sparse =
          df.select(col("sparse")).first().get(0).getClass().getSimpleName().equals("SparseVector")
              ? 1
              : 0;
      BenchmarkReport.start(
              "vector-conversion",
              "DataFrame (cached) to XShards, "
                  + rows
                  + " rows x "
                  + FEATURES
                  + " features: ML vector column against the same values as an array column")
          .note(
              String.format(
                  Locale.ROOT,
                  "%d partitions, %.1f MB of features, medians of %d runs; the half-zero vectors"
                      + " are %s",
                  partitions,
                  mb,
                  runs,
                  sparse == 1 ? "sparse" : "dense (VectorAssembler chose)"))
          .figure("dense vector column (wall)", mb / t[0].median(), "MB/s")
          .baseline("array<double> column, same values (wall)", mb / t[1].median(), "MB/s")
          .figure("half-zero vector column (wall)", mb / t[2].median(), "MB/s")
          .baseline("array<double> column, same values (wall)", mb / t[3].median(), "MB/s")
          .ratio("dense vector / array time (wall)", t[0].median() / t[1].median(), "close to 1")
          .ratio("dense vector / array task CPU", cpuSeconds[0] / cpuSeconds[1], "close to 1")
          .ratio("half-zero vector / array time (wall)", t[2].median() / t[3].median(), "")
          .ratio("half-zero vector / array task CPU", cpuSeconds[2] / cpuSeconds[3], "")
          .finish();
      df.unpersist();
    }
  }
}

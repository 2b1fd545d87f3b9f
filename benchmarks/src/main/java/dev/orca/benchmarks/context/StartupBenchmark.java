package dev.orca.benchmarks.context;

import dev.orca.benchmarks.BenchmarkArgs;
import dev.orca.benchmarks.BenchmarkReport;
import dev.orca.benchmarks.Timing;
import dev.orca.context.ClusterMode;
import dev.orca.context.OrcaConf;
import dev.orca.context.OrcaContext;
import dev.orca.launcher.barrier.BarrierStage;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The time to start an OrcaContext and run an empty barrier stage, embedded and on local-cluster.
 * Baseline, in the same run: a plain SparkSession with the same Spark settings and an empty
 * ordinary job over the same number of partitions; the ratio is what Orca adds. Also what one
 * barrier sync ({@code allGather}) costs inside a running stage.
 *
 * <p>Arguments: {@code [runs]} (default 5).
 */
public final class StartupBenchmark {
  private StartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = BenchmarkArgs.parse("StartupBenchmark [runs=5]", args, "runs").integer("runs", 5);
    BenchmarkReport report =
        BenchmarkReport.start(
            "startup",
            "start OrcaContext and run an empty barrier stage (median of "
                + runs
                + " runs after 1 warm-up)");
    measure(report, "embedded (local[*])", OrcaContext.builder(), runs);
    measure(
        report,
        "local-cluster[2,1,1024]",
        OrcaContext.builder().clusterMode(ClusterMode.LOCAL_CLUSTER).numNodes(2).cores(1),
        runs);
    report.finish();
  }

  private static void measure(
      BenchmarkReport report, String label, OrcaContext.Builder builder, int runs)
      throws Exception {
    OrcaConf conf = builder.resolve();
    Timing orca =
        Timing.of(
            1,
            runs,
            () -> {
              try (OrcaContext ctx = builder.start()) {
                int tasks = ctx.numNodes() * ctx.coresPerNode();
                List<Integer> out =
                    BarrierStage.run(
                        ctx.sparkContext(),
                        tasks,
                        (task, p) -> List.of(task.partitionId()).iterator());
                check(out.size() == tasks, "barrier stage returned " + out.size() + " of " + tasks);
              }
            });
    Timing plain =
        Timing.of(
            1,
            runs,
            () -> {
              SparkSession.Builder b = SparkSession.builder();
              conf.sparkConf().forEach(b::config);
              SparkSession spark = b.getOrCreate();
              try {
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                int tasks =
                    spark.sparkContext().isLocal() ? spark.sparkContext().defaultParallelism() : 2;
                long n = BarrierStage.indices(jsc, tasks).count(); // an ordinary job: no barrier
                check(n == tasks, "plain job counted " + n);
              } finally {
                spark.stop();
              }
            });
    report.figure(label + ": OrcaContext + barrier stage", orca.median(), "s");
    report.baseline(label + ": SparkSession + plain job", plain.median(), "s");
    report.ratio(
        label + ": Orca / plain Spark",
        orca.median() / plain.median(),
        "close to 1: Orca adds little");
    // Spark's barrier sync (allGather, barrier) polls its answer once a second: what one costs
    try (OrcaContext ctx = builder.start()) {
      int tasks = ctx.numNodes() * ctx.coresPerNode();
      Timing sync =
          Timing.of(
              1,
              runs,
              () ->
                  BarrierStage.run(
                      ctx.sparkContext(), tasks, (task, p) -> task.allGather("x").iterator()));
      Timing none =
          Timing.of(
              1,
              runs,
              () ->
                  BarrierStage.run(
                      ctx.sparkContext(), tasks, (task, p) -> List.of("x").iterator()));
      report.figure(label + ": barrier stage with one allGather", sync.median(), "s");
      report.baseline(label + ": the same stage without it", none.median(), "s");
      report.ratio(label + ": with / without", sync.median() / none.median(), "");
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}

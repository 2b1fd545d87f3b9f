package dev.orca.launcher.ray;

import dev.orca.OrcaConfigurationException;
import dev.orca.launcher.LauncherException;
import dev.orca.launcher.barrier.BarrierStage;
import dev.orca.launcher.barrier.LocalCluster;
import dev.orca.launcher.barrier.TaskSlots;
import dev.orca.launcher.ray.internal.NodeStatusServer;
import dev.orca.launcher.ray.internal.RayNodeTask;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ray cluster whose nodes run inside the Spark executors (RayOnSpark): one barrier task per node,
 * each asking for all the cores of its executor so that no two nodes share one. Task 0 runs {@code
 * ray start --head}, the others {@code ray start --address=...}; each task blocks for the life of
 * the cluster, and a watchdog beside each node ends its processes if the executor dies. {@link
 * #stop} ends every node and the stage.
 *
 * <p>This class starts the nodes; connecting the driver to them is {@link RayRuntimes#start}'s job.
 */
public final class RayOnSpark implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RayOnSpark.class);

  private final RayOptions options;
  private final NodeStatusServer status;
  private final JavaFutureAction<List<String>> stage;
  private final List<String> nodeReports;
  private final String headAddress;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private RayOnSpark(
      RayOptions options,
      NodeStatusServer status,
      JavaFutureAction<List<String>> stage,
      List<String> nodeReports) {
    this.options = options;
    this.status = status;
    this.stage = stage;
    this.nodeReports = nodeReports;
    String head = nodeReports.get(0);
    this.headAddress = head.substring(head.indexOf("head=") + "head=".length()).split(" ")[0];
  }

  /** Starts the Ray nodes and returns once every one of them runs, or fails naming the node. */
  public static RayOnSpark start(JavaSparkContext jsc, RayOptions options) {
    SparkContext sc = jsc.sc();
    if (sc.master().startsWith("local") && !LocalCluster.isLocalClusterMaster(sc.master())) {
      throw new OrcaConfigurationException(
          "Ray runtime 'on-spark' starts Ray nodes inside Spark"
              + " executors, but master "
              + sc.master()
              + " has none. Use Ray runtime 'local' (the"
              + " default), or a cluster master (local-cluster, standalone, yarn, k8s).");
    }
    if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw new OrcaConfigurationException(
          "Ray runtime 'on-spark' needs barrier scheduling, which"
              + " Spark cannot run with dynamic allocation (spark.dynamicAllocation.enabled=true). Set it"
              + " to false and spark.executor.instances to the number of Ray nodes you want.");
    }
    int nodes = options.numNodes() > 0 ? options.numNodes() : TaskSlots.expectedExecutors(sc);
    TaskSlots.awaitExecutors(sc, nodes, BarrierStage.DEFAULT_EXECUTOR_WAIT, nodes + " Ray nodes");
    int cores = TaskSlots.executorCores(sc);
    String secret = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    NodeStatusServer status =
        new NodeStatusServer(sc.conf().get("spark.driver.host", "127.0.0.1"), secret);
    JavaFutureAction<List<String>> stage = null;
    try {
      // one node per executor: each task asks for all the cores an executor has
      ResourceProfile wholeExecutor =
          new ResourceProfileBuilder().require(new TaskResourceRequests().cpus(cores)).build();
      JavaRDD<Integer> ranks = BarrierStage.indices(jsc, nodes).withResources(wholeExecutor);
      jsc.setJobDescription("Orca: Ray on Spark (" + nodes + " nodes)");
      stage =
          BarrierStage.mapPartitions(ranks, new RayNodeTask(options, status.address(), secret))
              .collectAsync();
      jsc.setJobDescription(null);
      JavaFutureAction<List<String>> running = stage;
      List<String> reports =
          status.awaitStarted(nodes, options.startTimeout(), () -> ended(running));
      LOG.info("Ray on Spark: {} nodes running, head at {}", nodes, reports.get(0));
      return new RayOnSpark(options, status, stage, reports);
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      shutDown(status, stage, options.stopTimeout());
      throw e instanceof LauncherException le
          ? le
          : new LauncherException("Ray on Spark did not start: " + e.getMessage(), e);
    }
  }

  /** The {@code host:port} of the head node's GCS, for {@code Ray.init}. */
  public String headAddress() {
    return headAddress;
  }

  /** One line per node, by rank: host, process ids, head address. */
  public List<String> nodeReports() {
    return nodeReports;
  }

  public int numNodes() {
    return nodeReports.size();
  }

  /** True while every node's processes run and the stage has not ended. */
  public boolean isHealthy() {
    return !stopped.get() && !stage.isDone() && status.failures().isEmpty();
  }

  /** Ends every Ray process on every node and the barrier stage that held them. Idempotent. */
  public void stop() {
    if (stopped.compareAndSet(false, true)) {
      shutDown(status, stage, options.stopTimeout());
      LOG.info("Ray on Spark stopped");
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static void shutDown(
      NodeStatusServer status, JavaFutureAction<List<String>> stage, Duration grace) {
    status.stopAll();
    if (stage != null) {
      try {
        stage.get(grace.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // a failed or slow stage: cancelling makes Spark kill the tasks, whose exit ends the nodes
        stage.cancel(true);
        awaitQuietly(stage, grace.toMillis() + 10_000);
      }
    }
    status.close();
  }

  private static void awaitQuietly(JavaFutureAction<?> stage, long millis) {
    long deadline = System.currentTimeMillis() + millis;
    while (!stage.isDone() && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String ended(JavaFutureAction<List<String>> stage) {
    if (!stage.isDone()) {
      return null;
    }
    try {
      stage.get();
      return "it finished without an error";
    } catch (Exception e) {
      Throwable t = e.getCause() == null ? e : e.getCause();
      return t.getMessage();
    }
  }
}

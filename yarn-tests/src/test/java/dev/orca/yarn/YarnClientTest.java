package dev.orca.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.JvmOptions;
import dev.orca.context.ClusterMode;
import dev.orca.context.OrcaContext;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.launcher.barrier.BarrierFunction;
import dev.orca.launcher.barrier.BarrierStage;
import dev.orca.launcher.barrier.BarrierTask;
import dev.orca.launcher.ray.RayMode;
import dev.orca.launcher.ray.RayOnSpark;
import dev.orca.launcher.ray.RayOptions;
import dev.orca.launcher.testing.StandInRay;
import dev.orca.launcher.testing.StandInRay.Record;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import dev.orca.testing.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerReport;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.SignalContainerCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * OrcaContext in yarn-client mode against a real YARN (MiniYARNCluster): the driver is this JVM,
 * the ApplicationMaster and two executors (1 core, 512 MB heap each) are containers that the
 * NodeManagers start as JVM processes. After each test nothing of it is left: no application, no
 * container, no process, no port.
 */
@ExtendWith(MiniYarnExtension.class)
class YarnClientTest {
  private static final String EXECUTOR_CLASS =
      "org.apache.spark.executor.YarnCoarseGrainedExecutorBackend";
  private static MiniYarn yarn;

  private Leftovers before;
  private final Set<Long> seen = new HashSet<>();

  @BeforeAll
  static void cluster(MiniYarn cluster) {
    yarn = cluster;
  }

  @BeforeEach
  void snapshot() {
    before = Leftovers.before();
  }

  @AfterEach
  void nothingLeft() throws InterruptedException {
    OrcaContext.active().ifPresent(OrcaContext::stop);
    before.assertNothingLeft(yarn, seen, Duration.ofSeconds(60));
    assertNull(System.getProperty("spark.master"), "a later OrcaContext.init() would follow it");
  }

  private static OrcaContext start(String name) {
    OrcaContext.Builder b =
        OrcaContext.builder()
            .clusterMode(ClusterMode.YARN_CLIENT)
            .appName(name)
            .numNodes(2)
            .cores(1)
            .memory("512m");
    yarn.clientModeSparkConf().forEach(b::sparkConf);
    return b.start();
  }

  /** What each executor finds about itself: container, process, missing flags, environment. */
  static final class WhereAmI implements BarrierFunction<Integer, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<String> apply(BarrierTask task, Iterator<Integer> ids) {
      String me =
          System.getenv("CONTAINER_ID")
              + " "
              + ProcessHandle.current().pid()
              + " missing="
              + JvmOptions.missing().size()
              + " MALLOC_MMAP_THRESHOLD_="
              + System.getenv("MALLOC_MMAP_THRESHOLD_");
      return List.of(String.join(";", task.allGather(me))).iterator();
    }
  }

  @Test
  void executorsRunInYarnContainersWithOrcasFlagsAndABarrierStageSpansThem() throws Exception {
    try (OrcaContext orca = start("orca-yarn-client")) {
      assertEquals("yarn", orca.spark().sparkContext().master());
      assertEquals("client", orca.spark().sparkContext().deployMode());
      assertEquals(2, orca.numNodes());
      assertEquals(1, orca.coresPerNode());

      List<String> seenByTask = BarrierStage.run(orca.sparkContext(), 2, new WhereAmI());
      assertEquals(2, seenByTask.size());
      assertEquals(seenByTask.get(0), seenByTask.get(1), "both tasks gathered the same messages");
      List<String[]> executors =
          Stream.of(seenByTask.get(0).split(";")).map(s -> s.split(" ")).toList();
      String malloc =
          "MALLOC_MMAP_THRESHOLD_=" + JvmOptions.environment().get("MALLOC_MMAP_THRESHOLD_");
      for (String[] e : executors) {
        assertEquals("missing=0", e[2], "an executor lacks JVM flags: " + String.join(" ", e));
        assertEquals(malloc, e[3], "the executor's environment: " + String.join(" ", e));
      }
      assertNotEquals(executors.get(0)[0], executors.get(1)[0], "two tasks in one container");

      // YARN's view: the ApplicationMaster's container and one per executor, all running
      ApplicationId app = ApplicationId.fromString(orca.spark().sparkContext().applicationId());
      List<ContainerReport> containers =
          yarn.client().getContainers(yarn.report(app).getCurrentApplicationAttemptId());
      Set<String> running =
          containers.stream()
              .filter(c -> c.getContainerState() == ContainerState.RUNNING)
              .map(c -> c.getContainerId().toString())
              .collect(Collectors.toSet());
      assertEquals(3, running.size(), "AM and 2 executors: " + running);
      Set<Long> startedHere = Leftovers.descendants();
      for (String[] e : executors) {
        assertTrue(running.contains(e[0]), e[0] + " is not a container of " + app);
        long pid = Long.parseLong(e[1]);
        seen.add(pid);
        assertTrue(startedHere.contains(pid), "executor " + pid + " not started by a NodeManager");
        String cmd = Leftovers.commandLine(pid);
        assertTrue(cmd.contains(EXECUTOR_CLASS), cmd);
        assertTrue(cmd.contains("-Xmx512m"), "the executor's heap as asked: " + cmd);
      }
    }
  }

  @Test
  void rayOnSparkStartsOneNodeInEachExecutorContainerAndStopEndsThemAll() throws Exception {
    // inside the cluster's folder: a process left behind names it and is caught after the test
    Path dir = Files.createTempDirectory(yarn.workDir(), "stand-in-ray-");
    Path ray = StandInRay.install(dir);
    try (OrcaContext orca = start("orca-ray-on-yarn")) {
      RayOnSpark cluster =
          RayOnSpark.start(
              orca.sparkContext(),
              RayOptions.builder()
                  .mode(RayMode.ON_SPARK)
                  .rayExecutable(ray.toString())
                  .objectStoreMemoryBytes(100L << 20)
                  .startTimeout(Duration.ofSeconds(60))
                  .stopTimeout(Duration.ofSeconds(3))
                  .build());
      List<Record> runs;
      try {
        assertEquals(2, cluster.numNodes());
        runs = StandInRay.awaitRecords(dir, 2, Duration.ofSeconds(30));
        assertEquals(2, runs.size(), "one ray start per executor: " + runs);
        assertEquals(1, runs.stream().filter(Record::isHead).count(), "one head: " + runs);
        Set<String> containers = new HashSet<>();
        for (Record r : runs) {
          seen.add(r.pid());
          seen.add(r.childPid());
          assertEquals("1", r.option("--num-cpus"), "the executor's core: " + r.args());
          assertEquals(Long.toString(100L << 20), r.option("--object-store-memory"));
          // the node runs inside its executor's container: it inherited the container's id
          String container =
              Leftovers.environment(r.pid()).stream()
                  .filter(v -> v.startsWith("CONTAINER_ID="))
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("no container for ray node " + r.pid()));
          containers.add(container);
        }
        assertEquals(2, containers.size(), "both Ray nodes in one container: " + containers);
        for (String report : cluster.nodeReports()) {
          long executor = Long.parseLong(report.replaceAll(".*executorPid=(\\d+).*", "$1"));
          seen.add(executor);
          assertTrue(Leftovers.commandLine(executor).contains(EXECUTOR_CLASS), report);
        }
        assertTrue(cluster.isHealthy());
      } finally {
        cluster.stop();
      }
      for (Record r : runs) {
        assertTrue(awaitDead(r.pid()), "ray node " + r.pid() + " outlived stop()");
        assertTrue(awaitDead(r.childPid()), "its child " + r.childPid() + " outlived stop()");
      }
      // the executors are still there for other work
      assertEquals(4L, orca.sparkContext().parallelize(List.of(1, 2, 3, 4), 2).count());
    }
  }

  private static Model mlp() {
    return new Sequential(64)
        .add(new Dense(128))
        .add(new ReLU())
        .add(new Dense(64))
        .add(new ReLU())
        .add(new Dense(10))
        .optSeed(0)
        .build();
  }

  private static Estimator estimator() {
    // workers and cores follow the context: one worker per executor, its one core
    return Estimator.builder()
        .setModel(mlp())
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Adam(2e-3))
        .optMetrics(Metric.accuracy())
        .build();
  }

  @Test
  void theSparkBackendLearnsDigitsToAtLeast97PercentInTheContainers() {
    try (OrcaContext orca = start("orca-digits-on-yarn");
        DigitsOnSpark digits = DigitsOnSpark.load(orca.spark());
        Estimator est = estimator()) {
      assertEquals(2, est.workers());
      assertEquals(1, est.coresPerWorker());
      TrainingHistory history =
          est.fit(
              digits.train(),
              FitConfig.builder().setEpochs(40).setBatchSize(64).optSeed(1).build());
      assertEquals(40, history.epochs().size());
      assertEquals(0, history.restarts());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.97, "yarn-client, test accuracy " + result);
    }
  }

  @Test
  void anExecutorContainerKilledMidTrainingResumesFromTheCheckpoint() throws Exception {
    Path checkpoints = Files.createTempDirectory(yarn.workDir(), "checkpoints-");
    int epochs = 60;
    try (OrcaContext orca = start("orca-lost-container");
        DigitsOnSpark digits = DigitsOnSpark.load(orca.spark());
        Estimator est = estimator()) {
      ApplicationId app = ApplicationId.fromString(orca.spark().sparkContext().applicationId());
      FitConfig config =
          FitConfig.builder()
              .setEpochs(epochs)
              .setBatchSize(64)
              .optSeed(1)
              .optCheckpoints(checkpoints.toString(), 1)
              .build();
      CompletableFuture<TrainingHistory> fit =
          CompletableFuture.supplyAsync(() -> est.fit(digits.train(), config));
      Checkpoints.await(checkpoints, 3, fit, Duration.ofMinutes(3));

      List<ContainerReport> before = containers(app);
      ContainerId victim =
          before.stream()
              .map(ContainerReport::getContainerId)
              .filter(id -> id.getContainerId() != 1) // not the ApplicationMaster
              .findFirst()
              .orElseThrow();
      // as YARN ends a container it preempts or whose node it loses: SIGKILL to its processes
      yarn.client().signalToContainer(victim, SignalContainerCommand.FORCEFUL_SHUTDOWN);

      TrainingHistory history = fit.get(5, TimeUnit.MINUTES);
      assertTrue(history.restarts() >= 1, "training did not notice the lost container");
      assertEquals(epochs, history.epochs().size());
      assertEquals(epochs - 1, history.last().epoch());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.96, "after the restart, test accuracy " + result);

      // YARN replaced the lost executor with a container of its own
      List<ContainerReport> after = containers(app);
      Set<ContainerId> replacements =
          after.stream()
              .filter(c -> c.getContainerState() == ContainerState.RUNNING)
              .map(ContainerReport::getContainerId)
              .filter(id -> before.stream().noneMatch(b -> b.getContainerId().equals(id)))
              .collect(Collectors.toSet());
      assertEquals(1, replacements.size(), "one new executor container: " + after);
      assertTrue(
          after.stream()
              .noneMatch(
                  c ->
                      c.getContainerId().equals(victim)
                          && c.getContainerState() == ContainerState.RUNNING),
          victim + " still runs");
    }
  }

  private static List<ContainerReport> containers(ApplicationId app) throws Exception {
    return yarn.client().getContainers(yarn.report(app).getCurrentApplicationAttemptId());
  }

  /** True once process {@code pid} has ended, within 15 s. */
  private static boolean awaitDead(long pid) throws Exception {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty()) {
      return true;
    }
    try {
      p.get().onExit().get(15, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    }
  }
}

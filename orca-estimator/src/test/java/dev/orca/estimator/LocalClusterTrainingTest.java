package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.orcauser.FeatureScale;
import dev.orca.collective.Transport;
import dev.orca.common.StaleSharedMemory;
import dev.orca.context.ClusterMode;
import dev.orca.context.OrcaContext;
import dev.orca.estimator.internal.worker.ThreadAffinity;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import dev.orca.testing.Checkpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark backend with its workers in two real executor JVMs (local-cluster): they sum their
 * gradients through a shared-memory segment, and leave nothing in /dev/shm, not even after one of
 * them is killed.
 */
class LocalClusterTrainingTest {
  private static final Path SHM = Path.of("/dev/shm");
  private static DigitsData.Session digits;
  private static final Set<Long> executorsSeen = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() {
    digits =
        DigitsData.Session.start(
            OrcaContext.builder()
                .clusterMode(ClusterMode.LOCAL_CLUSTER)
                .numNodes(2)
                .cores(1)
                .memory("1200m"));
  }

  @AfterAll
  static void stop() throws Exception {
    // an executor killed between fits: only the context's stop is left to clean up after it
    ProcessHandle killed = ProcessHandle.of(executorWithOpenMpFile(executorPids())).orElseThrow();
    killed.destroyForcibly();
    killed.onExit().get(60, TimeUnit.SECONDS);
    digits.close();
    // Spark stops its executors, or kills them: either way no file of theirs may stay
    for (long pid : executorsSeen) {
      Optional<ProcessHandle> executor = ProcessHandle.of(pid);
      if (executor.isPresent()) {
        executor.get().onExit().get(60, TimeUnit.SECONDS); // Spark ends them as it stops
      }
    }
    assertEquals(List.of(), filesOf(executorsSeen), "left in /dev/shm after the context stopped");
  }

  private static Estimator estimator() {
    Model mlp =
        new Sequential(64)
            .add(new Dense(128))
            .add(new ReLU())
            .add(new Dense(64))
            .add(new ReLU())
            .add(new Dense(10))
            .optSeed(0)
            .build();
    // workers and cores default to the context: 2 executors of 1 core
    return Estimator.builder()
        .setModel(mlp)
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Adam(2e-3))
        .optMetrics(Metric.accuracy())
        .build();
  }

  @Test
  void twoExecutorJvmsLearnDigitsToAtLeast97Percent() throws IOException {
    try (Estimator est = estimator()) {
      assertEquals(2, est.workers());
      assertEquals(1, est.coresPerWorker());
      TrainingHistory history =
          est.fit(
              digits.train(),
              FitConfig.builder().setEpochs(40).setBatchSize(64).optSeed(1).build());
      assertTrue(
          history.transport().startsWith("SHARED_MEMORY: 2 workers on one host"),
          history.transport());
      assertNoSegmentLeft(executorPids());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.97, "local-cluster, test accuracy " + result);
    }
  }

  @Test
  void pinnedInSharedMemoryOrUnpinnedOverTcpTheExecutorsLearnTheSameWeights() {
    // the transport and the pinning change how the floats move and where the threads run, not the
    // bits of the sums
    FitConfig.Builder config = FitConfig.builder().setEpochs(3).setBatchSize(64).optSeed(1);
    try (Estimator shm = estimator();
        Estimator tcp = estimator()) {
      TrainingHistory a = shm.fit(digits.train(), config.optCpuPinning(CpuPinning.ON).build());
      TrainingHistory b =
          tcp.fit(
              digits.train(),
              config.optTransport(Transport.TCP).optCpuPinning(CpuPinning.OFF).build());
      assertTrue(a.transport().startsWith("SHARED_MEMORY"), a.transport());
      // each executor's gradients live in a file of /dev/shm the other reads and writes in place
      assertTrue(
          a.transport().contains("; gradients summed in place in shared memory; "), a.transport());
      // the executors inherit this JVM's CPUs; rank 0 takes the first (its executor's thread was
      // pinned in that executor JVM, each epoch, and the ring's threads with it)
      BitSet cpus = ThreadAffinity.get(ThreadAffinity.currentThreadId());
      String expected =
          cpus.cardinality() >= 2
              ? "; pinned to CPU " + cpus.nextSetBit(0) + " (worker 1 of 2 workers on this host"
              : "; not pinned: 2 workers on this host";
      assertTrue(a.transport().contains(expected), a.transport());
      assertTrue(b.transport().startsWith("TCP"), b.transport());
      assertTrue(b.transport().endsWith("; not pinned (CpuPinning.OFF)"), b.transport());
      assertArrayEquals(weights(shm), weights(tcp));
      assertEquals(a.last().train(), b.last().train());
    }
  }

  @Test
  void aLayerOfTheUsersOwnRegisteredOnTheDriverTrainsAndScoresInTheExecutorJvms() {
    // registered here only: the executors learn it from the job (their own allow-list would
    // refuse the model file otherwise)
    Layer.register(FeatureScale.class);
    Model model =
        new Sequential(64)
            .add(new FeatureScale().named("scale"))
            .add(new Dense(64))
            .add(new ReLU())
            .add(new Dense(10))
            .optSeed(0)
            .build();
    try (Estimator est =
        Estimator.builder()
            .setModel(model)
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(2e-3))
            .optMetrics(Metric.accuracy())
            .build()) {
      est.fit(
          digits.train(), FitConfig.builder().setEpochs(10).setBatchSize(64).optSeed(1).build());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.9, "with the user's layer, test " + result);
      float[] scale = est.getModel().parameter("scale", "scale").toArray();
      assertTrue(scale[20] != 1f, "the user's layer trained in the executors");
    }
  }

  @Test
  void anExecutorKilledMidTrainingResumesFromTheLastCheckpoint(@TempDir Path checkpoints)
      throws Exception {
    List<Long> executors = executorPids();
    assertEquals(2, executors.size(), "two executor JVMs: " + executors);
    int epochs = 120;
    try (Estimator est = estimator()) {
      // scoring starts MKL's OpenMP runtime, which registers its process in /dev/shm
      est.evaluate(digits.test());
      long victim = executorWithOpenMpFile(executors);
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
      ProcessHandle.of(victim).orElseThrow().destroyForcibly(); // kill -9 an executor JVM
      TrainingHistory history = fit.get(5, TimeUnit.MINUTES);
      assertTrue(history.restarts() >= 1, "training did not notice the lost executor");
      assertEquals(List.of(), filesOf(List.of(victim)), "the killed executor's files");
      List<Long> now = executorPids();
      assertNoSegmentLeft(now);
      assertEquals(epochs, history.epochs().size());
      assertEquals(epochs - 1, history.last().epoch());
      Map<String, Double> result = est.evaluate(digits.test());
      assertTrue(result.get("accuracy") >= 0.96, "after the restart, test accuracy " + result);
    }
  }

  private static float[] weights(Estimator est) {
    float[] w = new float[est.getModel().parameterCount()];
    est.getModel().parameters().get(0, w);
    return w;
  }

  /** The process ids of the executor JVMs, from tasks run in them. */
  private static List<Long> executorPids() {
    List<Long> pids =
        digits
            .orca()
            .sparkContext()
            .parallelize(List.of(0, 1, 2, 3), 4)
            .map(i -> ProcessHandle.current().pid())
            .distinct()
            .collect();
    executorsSeen.addAll(pids);
    return pids;
  }

  /**
   * After a fit: no segment of these executors in /dev/shm, and none mapped in any executor (each
   * executor's /proc/self/maps, read by a task).
   */
  private static void assertNoSegmentLeft(List<Long> executors) throws IOException {
    assertEquals(
        List.of(), filesOf(executors).stream().filter(f -> f.startsWith("orca-ring-")).toList());
    List<String> mapped =
        digits
            .orca()
            .sparkContext()
            .parallelize(List.of(0, 1, 2, 3), 4)
            .flatMap(
                i ->
                    Files.readAllLines(Path.of("/proc/self/maps")).stream()
                        .filter(l -> l.contains(StaleSharedMemory.SEGMENT_PREFIX))
                        .map(l -> ProcessHandle.current().pid() + ": " + l)
                        .iterator())
            .collect();
    assertEquals(List.of(), mapped, "segments still mapped in the executors");
  }

  /** One of {@code executors} that has an OpenMP registration file in /dev/shm. */
  private static long executorWithOpenMpFile(List<Long> executors) throws IOException {
    List<String> files = filesOf(executors);
    return executors.stream()
        .filter(
            pid ->
                files.stream()
                    .anyMatch(
                        f ->
                            f.startsWith("__KMP_REGISTERED_LIB_")
                                && StaleSharedMemory.ownerPid(f) == pid))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no executor registered MKL's OpenMP in /dev/shm: " + files));
  }

  /** The names of the files in /dev/shm that belong to one of {@code pids}. */
  private static List<String> filesOf(Collection<Long> pids) throws IOException {
    try (Stream<Path> files = Files.list(SHM)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(f -> pids.contains(StaleSharedMemory.ownerPid(f)))
          .sorted()
          .toList();
    }
  }
}

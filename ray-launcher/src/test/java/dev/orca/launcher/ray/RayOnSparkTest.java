package dev.orca.launcher.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.launcher.LauncherException;
import dev.orca.launcher.barrier.LocalCluster;
import dev.orca.launcher.barrier.TaskSlots;
import dev.orca.launcher.testing.StandInRay;
import dev.orca.launcher.testing.StandInRay.Record;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RayOnSpark in real executor JVMs (local-cluster), with a stand-in {@code ray} program: Ray's own
 * binaries cannot be installed here, so what is checked is everything up to them: the command
 * lines, one node per executor, the head before the workers, and that no process outlives {@code
 * stop} or a killed executor.
 */
class RayOnSparkTest {
  private static final Pattern PIDS =
      Pattern.compile("pid=(\\d+) watchdog=(\\d+) executorPid=(\\d+)");

  @TempDir Path dir;
  private JavaSparkContext jsc;
  private Path ray;

  @BeforeEach
  void start() throws Exception {
    SparkConf conf =
        new SparkConf().setMaster("local-cluster[2,1,1024]").setAppName("ray-on-spark-test");
    LocalCluster.sparkConf().forEach(conf::set);
    jsc = new JavaSparkContext(conf);
    // both executor JVMs up before the code under test runs: RayOnSpark.start gives them 30 s,
    // which two JVMs starting on a loaded 2-core machine can take
    TaskSlots.awaitExecutors(jsc.sc(), 2, Duration.ofSeconds(180), "RayOnSparkTest");
    ray = StandInRay.install(dir);
  }

  @AfterEach
  void stop() {
    jsc.stop();
  }

  private RayOptions.Builder options() {
    return RayOptions.builder()
        .mode(RayMode.ON_SPARK)
        .rayExecutable(ray.toString())
        .objectStoreMemoryBytes(100L << 20)
        .extraStartOptions(List.of("--include-dashboard=false"))
        .startTimeout(Duration.ofSeconds(60))
        .stopTimeout(Duration.ofSeconds(3));
  }

  @Test
  void startsOneNodePerExecutorHeadFirstAndStopLeavesNoProcess() throws Exception {
    RayOnSpark cluster = RayOnSpark.start(jsc, options().build());
    try {
      checkRunningCluster(cluster);
    } finally {
      cluster.stop();
    }
    for (Record r : StandInRay.records(dir)) {
      assertTrue(
          waitDead(r.pid(), Duration.ofSeconds(10)), "process " + r.pid() + " outlived stop()");
      assertTrue(
          waitDead(r.childPid(), Duration.ofSeconds(10)),
          "process " + r.childPid() + " outlived stop()");
    }
  }

  private void checkRunningCluster(RayOnSpark cluster) throws Exception {
    List<Record> runs = awaitRecords(2);
    assertEquals(2, runs.size(), "one ray start per executor: " + runs);
    Record head = runs.stream().filter(Record::isHead).findFirst().orElseThrow();
    Record worker = runs.stream().filter(r -> !r.isHead()).findFirst().orElseThrow();
    assertEquals("start", head.args().get(0));
    assertTrue(head.args().contains("--block") && worker.args().contains("--block"));
    String port = head.option("--port");
    assertNotNull(port);
    assertEquals(head.option("--node-ip-address") + ":" + port, worker.option("--address"));
    assertEquals(cluster.headAddress(), worker.option("--address"));
    for (Record r : runs) {
      assertEquals("1", r.option("--num-cpus"), "the executor's cores: " + r.args());
      assertEquals(Long.toString(100L << 20), r.option("--object-store-memory"));
      assertTrue(
          r.args().contains("--include-dashboard=false"), "extra options passed on: " + r.args());
    }
    assertTrue(
        worker.startedMillis() >= head.startedMillis(), "the worker joined before the head ran");

    List<long[]> pids = pids(cluster);
    assertNotEquals(pids.get(0)[2], pids.get(1)[2], "both Ray nodes in one executor JVM");
    List<Long> all = new ArrayList<>();
    for (long[] p : pids) {
      all.add(p[0]);
      all.add(p[1]);
    }
    runs.forEach(r -> all.add(r.childPid()));
    all.forEach(
        pid -> assertTrue(alive(pid), "process " + pid + " should run while the cluster runs"));
    assertTrue(cluster.isHealthy());

    cluster.stop();
    cluster.stop(); // idempotent
    for (long pid : all) {
      assertTrue(waitDead(pid, Duration.ofSeconds(10)), "process " + pid + " outlived stop()");
    }
    assertFalse(cluster.isHealthy());
  }

  @Test
  void anExecutorKilledTakesItsRayNodeWithIt() throws Exception {
    RayOnSpark cluster = RayOnSpark.start(jsc, options().build());
    try {
      List<long[]> pids = pids(cluster);
      long[] node1 = pids.get(1);
      Record run1 =
          awaitRecords(2).stream().filter(r -> r.pid() == node1[0]).findFirst().orElseThrow();
      ProcessHandle.of(node1[2]).orElseThrow().destroyForcibly(); // kill -9 the executor JVM
      // the watchdog notices within a second or two and ends the node's process group (TERM, the
      // 3 s grace, KILL); the generous wait is for a loaded machine, a node left behind stays
      assertTrue(waitDead(node1[0], Duration.ofSeconds(60)), "Ray node outlived its executor");
      assertTrue(
          waitDead(run1.childPid(), Duration.ofSeconds(60)),
          "the node's child outlived its executor");
      assertTrue(waitDead(node1[1], Duration.ofSeconds(60)), "the watchdog stayed");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (cluster.isHealthy() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertFalse(cluster.isHealthy(), "the lost node went unnoticed");
    } finally {
      cluster.stop();
    }
    for (Record r : StandInRay.records(dir)) {
      assertTrue(
          waitDead(r.pid(), Duration.ofSeconds(10)), "process " + r.pid() + " outlived stop()");
      assertTrue(
          waitDead(r.childPid(), Duration.ofSeconds(10)),
          "process " + r.childPid() + " outlived stop()");
    }
  }

  @Test
  void aMissingRayProgramIsAClearErrorNamingPathAndSetting() throws Exception {
    LauncherException e =
        assertThrows(
            LauncherException.class,
            () ->
                RayOnSpark.start(
                    jsc, options().rayExecutable(dir.resolve("no-such-ray").toString()).build()));
    assertTrue(
        e.getMessage().contains("no-such-ray") && e.getMessage().contains("orca.ray.executable"),
        e.getMessage());
    // the nodes' own report, not the 60 s start timeout (whose message names neither): it failed
    // as soon as the tasks looked for the program
    assertTrue(e.getMessage().matches("(?s)Ray node \\d failed to start: .*"), e.getMessage());
    assertTrue(StandInRay.records(dir).isEmpty());
  }

  @Test
  void aHeadThatExitsAtStartIsReportedWithItsOutput() throws Exception {
    LauncherException e =
        assertThrows(
            LauncherException.class,
            () ->
                RayOnSpark.start(
                    jsc, options().extraStartOptions(List.of("--stand-in-exit=3")).build()));
    assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
    assertTrue(
        e.getMessage().contains("exiting with 3 as asked"),
        "the node's output is quoted: " + e.getMessage());
  }

  private static List<long[]> pids(RayOnSpark cluster) {
    List<long[]> out = new ArrayList<>();
    for (String report : cluster.nodeReports()) {
      Matcher m = PIDS.matcher(report);
      assertTrue(m.find(), report);
      out.add(
          new long[] {
            Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))
          });
    }
    return out;
  }

  private List<Record> awaitRecords(int n) throws Exception {
    // a stand-in writes its record once its JVM is up, which on a loaded machine takes a while
    return StandInRay.awaitRecords(dir, n, Duration.ofSeconds(60));
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  static boolean waitDead(long pid, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (alive(pid) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return !alive(pid);
  }
}

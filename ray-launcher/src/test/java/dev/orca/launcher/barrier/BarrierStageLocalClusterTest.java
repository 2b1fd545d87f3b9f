package dev.orca.launcher.barrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.launcher.LauncherException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A barrier stage whose tasks run in two separate executor JVMs and see each other. */
class BarrierStageLocalClusterTest {
  private static JavaSparkContext jsc;

  @BeforeAll
  static void startCluster() {
    SparkConf conf =
        new SparkConf().setMaster("local-cluster[2,1,1024]").setAppName("barrier-test");
    LocalCluster.sparkConf().forEach(conf::set);
    jsc = new JavaSparkContext(conf);
    // both executor JVMs up before the tests: BarrierStage.run gives them 30 s, which two JVMs
    // starting on a loaded 2-core machine can take
    TaskSlots.awaitExecutors(jsc.sc(), 2, Duration.ofSeconds(180), "BarrierStageLocalClusterTest");
  }

  @AfterAll
  static void stopCluster() {
    if (jsc != null) {
      jsc.stop();
    }
  }

  @Test
  void tasksInTwoExecutorJvmsSeeEachOtherThroughAllGather() {
    long driverPid = ProcessHandle.current().pid();
    List<String> gathered =
        BarrierStage.run(
            jsc,
            2,
            (task, ids) -> {
              String me = task.partitionId() + "@" + ProcessHandle.current().pid();
              List<String> all = task.allGather(me);
              task.barrier();
              return List.of(String.join(",", all)).iterator();
            });
    assertEquals(2, gathered.size());
    // every task saw the same ordered list: one entry per partition
    assertEquals(gathered.get(0), gathered.get(1));
    String[] entries = gathered.get(0).split(",");
    assertEquals(2, entries.length);
    assertTrue(entries[0].startsWith("0@"), gathered.get(0));
    assertTrue(entries[1].startsWith("1@"), gathered.get(0));
    Set<String> pids = new HashSet<>();
    for (String e : entries) {
      String pid = e.substring(e.indexOf('@') + 1);
      assertNotEquals(Long.toString(driverPid), pid, "a task ran in the driver JVM");
      pids.add(pid);
    }
    assertEquals(2, pids.size(), "both tasks ran in the same executor JVM: " + gathered);
  }

  @Test
  void moreTasksThanSlotsFailsAtOnceNamingTheSlots() {
    long t0 = System.nanoTime();
    LauncherException e =
        assertThrows(
            LauncherException.class,
            () -> BarrierStage.run(jsc, 3, (task, ids) -> List.of(1).iterator()));
    assertTrue(
        e.getMessage().contains("needs 3 task slots") && e.getMessage().contains("at most 2"),
        e.getMessage());
    assertTrue(e.getMessage().contains("local-cluster[2,1,1024]"), e.getMessage());
    // two executors of one core can never give 3 slots: no waiting, and never Spark's minutes of
    // retries
    assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
  }
}

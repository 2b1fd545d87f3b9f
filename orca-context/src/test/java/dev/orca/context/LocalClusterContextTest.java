package dev.orca.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.launcher.LauncherException;
import dev.orca.launcher.barrier.BarrierStage;
import dev.orca.launcher.barrier.TaskSlots;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OrcaContext in local-cluster mode: real executor JVMs started by Spark on this machine. */
class LocalClusterContextTest {
  @Test
  void twoExecutorJvmsRunOneBarrierTaskEachAndTooManyTasksFailAtOnce() {
    try (OrcaContext orca =
        OrcaContext.builder().clusterMode(ClusterMode.LOCAL_CLUSTER).numNodes(2).start()) {
      assertEquals(2, orca.numNodes());
      assertEquals(1, orca.coresPerNode());
      // both executor JVMs up first: BarrierStage.run gives them 30 s, which two JVMs starting on
      // a loaded 2-core machine can take
      TaskSlots.awaitExecutors(
          orca.sparkContext().sc(), 2, Duration.ofSeconds(180), "LocalClusterContextTest");
      List<String> pids =
          BarrierStage.run(
              orca.sparkContext(),
              2,
              (task, p) ->
                  List.of(task.allGather(Long.toString(ProcessHandle.current().pid())).toString())
                      .iterator());
      assertEquals(pids.get(0), pids.get(1));
      assertEquals(
          2,
          new HashSet<>(List.of(pids.get(0).replaceAll("[\\[\\] ]", "").split(","))).size(),
          "two executor JVMs: " + pids);
      long t0 = System.nanoTime();
      LauncherException e =
          assertThrows(
              LauncherException.class,
              () -> BarrierStage.run(orca.sparkContext(), 3, (task, p) -> List.of(0).iterator()));
      assertTrue(e.getMessage().contains("at most 2"), e.getMessage());
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "must fail in seconds");
    }
  }
}

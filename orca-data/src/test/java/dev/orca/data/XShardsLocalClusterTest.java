package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.IpcCompression;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardList;
import dev.orca.context.ClusterMode;
import dev.orca.context.OrcaContext;
import dev.orca.launcher.barrier.BarrierStage;
import dev.orca.launcher.barrier.TaskSlots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same DataFrame converted in local mode and in local-cluster mode (two executor JVMs): the
 * shards must be equal, every executor must give its Arrow memory back, and the shards must reach
 * files and Ray from the other JVMs too. One test, because a local-cluster takes 10-15 s to start.
 */
class XShardsLocalClusterTest {
  private static final ConversionOptions OPTIONS =
      ConversionOptions.defaults().withRowsPerBatch(300).withKeepColumns(List.of("id"));

  private static XShards shards(SparkSession spark) {
    return XShards.fromDataFrame(
        TestData.frame(spark, 3000, 4), TestData.FEATURES, TestData.LABELS, OPTIONS);
  }

  @Test
  void twoExecutorJvmsMakeTheSameShardsAsLocalMode(@TempDir Path dir) {
    List<byte[]> local = new ArrayList<>();
    try (OrcaContext orca = OrcaContext.builder().cores(2).start();
        ShardList shards = shards(orca.spark()).collect()) {
      shards.forEach(s -> local.add(ArrowIpc.toBytes(s)));
    }
    assertEquals(12, local.size());

    try (OrcaContext orca =
        OrcaContext.builder().clusterMode(ClusterMode.LOCAL_CLUSTER).numNodes(2).start()) {
      TaskSlots.awaitExecutors(orca.spark().sparkContext(), 2, Duration.ofSeconds(60), "this test");
      XShards xs = shards(orca.spark());
      Set<Long> converters =
          new HashSet<>(
              xs.rdd()
                  .mapPartitions(
                      it -> {
                        while (it.hasNext()) {
                          it.next().close();
                        }
                        return List.of(ProcessHandle.current().pid()).iterator();
                      })
                  .collect());
      assertEquals(2, converters.size(), "converted in two executor JVMs");
      assertTrue(!converters.contains(ProcessHandle.current().pid()));

      try (ShardList remote = xs.collect()) {
        assertEquals(local.size(), remote.size());
        for (int i = 0; i < local.size(); i++) {
          try (Shard expected = ArrowIpc.fromBytes(local.get(i), ArrowMemory.root())) {
            assertTrue(expected.root().equals(remote.get(i).root()), "shard " + i);
          }
        }
      }

      String saved = dir.resolve("saved").toString();
      xs.save(saved, IpcCompression.LZ4_FRAME);
      assertEquals(3000, XShards.load(saved).count());

      List<RayShard> refs = xs.toRay();
      assertEquals(12, refs.size());
      try (Shard first = refs.get(0).open(ArrowMemory.root())) {
        assertEquals(0, TestData.check(first).get(0));
      }

      List<Long> executorMemory =
          BarrierStage.run(
              orca.sparkContext(),
              2,
              (task, p) -> List.of(ArrowMemory.allocatedBytes()).iterator());
      assertEquals(List.of(0L, 0L), executorMemory, "every executor gave its Arrow memory back");
    }
    assertEquals(0, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
  }
}

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

  /**
   * The process that reads each partition of the 600 rows r = (r, -r) in 4 partitions, after
   * checking there that the partition holds its 150 rows.
   */
  private static List<Long> readers(XShards xs) {
    return xs.rdd()
        .mapPartitionsWithIndex(
            (p, it) -> {
              int r = 150 * p;
              while (it.hasNext()) {
                try (Shard s = it.next()) {
                  float[] f = s.features().toArray();
                  for (int i = 0; i < s.rows(); i++, r++) {
                    if (f[2 * i] != r || f[2 * i + 1] != -r) {
                      throw new IllegalStateException("partition " + p + ": row " + r + " differs");
                    }
                  }
                }
              }
              if (r != 150 * (p + 1)) {
                throw new IllegalStateException("partition " + p + " ends at row " + r);
              }
              return List.of(ProcessHandle.current().pid()).iterator();
            },
            false)
        .collect();
  }

  /** Rows r = (r, -r), in order, read back from the executors. */
  private static void assertArraysRows(XShards xs, int rows) {
    try (ShardList shards = xs.collect()) {
      int r = 0;
      for (Shard s : shards) {
        float[] f = s.features().toArray();
        for (int i = 0; i < s.rows(); i++, r++) {
          assertEquals(r, f[2 * i], "row " + r);
          assertEquals(-r, f[2 * i + 1], "row " + r);
        }
      }
      assertEquals(rows, r);
    }
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

      // rows from the driver's arrays reach both executor JVMs, and an executor started in place
      // of a killed one reads them again
      float[][] x = new float[600][];
      for (int r = 0; r < x.length; r++) {
        x[r] = new float[] {r, -r};
      }
      XShards arrays = XShards.fromArrays(x, null, 4);
      List<Long> readers = readers(arrays);
      assertEquals(2, new HashSet<>(readers).size(), "read in two executor JVMs: " + readers);
      long victim = readers.get(0);
      ProcessHandle.of(victim).orElseThrow().destroyForcibly(); // kill -9 one of them
      assertArraysRows(arrays, x.length); // Spark runs the lost tasks again
      // until the executor that replaced it has read some partitions (each job checks the rows)
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      Set<Long> fresh = new HashSet<>();
      while (fresh.isEmpty() && System.nanoTime() < deadline) {
        fresh.addAll(readers(arrays));
        fresh.removeAll(readers);
      }
      assertEquals(1, fresh.size(), "an executor started after the kill read partitions");
      assertTrue(ProcessHandle.of(victim).map(h -> !h.isAlive()).orElse(true));
    }
    assertEquals(0, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
  }
}

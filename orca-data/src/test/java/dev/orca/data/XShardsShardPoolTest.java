package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.Shard;
import dev.orca.arrow.internal.SlabPool;
import dev.orca.context.OrcaContext;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The context's setting sizes the pool of shard memory its executors keep (here the one executor is
 * this JVM), and stopping the context gives that memory back.
 */
class XShardsShardPoolTest {
  @Test
  void theSettingCapsThePoolAndStoppingTheContextEmptiesIt() {
    OrcaContext orca = OrcaContext.builder().cores(2).shardPoolMaxBytes("12m").start();
    try {
      assertEquals(12L << 20, SlabPool.readMaxBytes(), "read from the executor's Spark settings");
      String[] columns = new String[33];
      List<String> features = new ArrayList<>();
      for (int j = 0; j < 32; j++) {
        columns[j] = "cast(rand(" + j + ") as float) as f" + j;
        features.add("f" + j);
      }
      columns[32] = "cast(id % 2 as float) as label";
      // 32 floats: shards of 2 MiB of features, cut from slabs of 4, 4, 8 and 16 MiB
      Dataset<Row> df = orca.spark().range(0, 200_000, 1, 2).selectExpr(columns).cache();
      df.count();
      long reused0 = SlabPool.get().reusedSlabs();
      for (int i = 0; i < 2; i++) {
        XShards.fromDataFrame(df, features, List.of("label"))
            .rdd()
            .foreachPartition(
                it -> {
                  List<Shard> held = new ArrayList<>();
                  it.forEachRemaining(held::add);
                  Shard.closeAll(held);
                });
      }
      long kept = ArrowMemory.pooledBytes();
      assertTrue(kept > 0 && kept <= 12L << 20, kept + " bytes kept, cap 12 MiB");
      assertTrue(SlabPool.get().reusedSlabs() > reused0, "the second conversion reused slabs");
      assertEquals(0, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
    } finally {
      orca.stop();
    }
    assertEquals(0, ArrowMemory.pooledBytes(), "the context's stop freed the pooled slabs");
    assertEquals(0, SlabPool.get().lentBytes());
    assertEquals(0, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
  }
}

package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.arrow.internal.SlabPool;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The pool of shard memory gives everything back when the Spark application that used it stops. */
class ShardPoolReleaseTest {
  @Test
  void stoppingSparkFreesThePooledSlabsAndLeavesNoArrowMemory() {
    System.setProperty(SlabPool.PROPERTY, "256m");
    SlabPool pool = SlabPool.get();
    long heldBefore = ArrowMemory.allocatedBytes(); // another test class may leave some on purpose
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("arrow-bridge shard pool release test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try {
      Dataset<Row> df = ShardPoolTestFrames.frame(spark, 100_000, 2).cache();
      df.count();
      long freed0 = pool.freedSlabs();
      long rows =
          ShardPoolTestFrames.converter(df)
              .convert(df, "released")
              .mapPartitions(
                  it -> {
                    List<Shard> held = new ArrayList<>();
                    it.forEachRemaining(held::add);
                    long n = held.stream().mapToLong(Shard::rows).sum();
                    Shard.closeAll(held);
                    return List.of(n).iterator();
                  })
              .reduce(Long::sum);
      assertEquals(100_000, rows);
      long kept = pool.idleBytes();
      assertTrue(kept > 0, "slabs kept after the conversion");
      spark.stop();
      assertEquals(0, pool.idleBytes(), "the end of the application freed them");
      assertTrue(pool.freedSlabs() > freed0);
      assertEquals(0, pool.lentBytes());
      assertEquals(heldBefore, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
      assertEquals(0, ArrowMemory.pooledBytes());
      assertTrue(
          ArrowMemory.describe().contains("shard memory pool (idle slabs)"),
          ArrowMemory.describe());
    } finally {
      System.clearProperty(SlabPool.PROPERTY);
      spark.stop();
    }
  }
}

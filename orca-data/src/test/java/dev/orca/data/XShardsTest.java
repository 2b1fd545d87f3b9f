package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

class XShardsTest extends LocalOrcaTest {
  /** 1000 rows in 4 partitions of 250, in shards of at most 100 rows, keeping the id. */
  private static XShards shards() {
    return XShards.fromDataFrame(
        TestData.frame(spark(), 1000, 4),
        TestData.FEATURES,
        TestData.LABELS,
        ConversionOptions.defaults().withRowsPerBatch(100).withKeepColumns(List.of("id")));
  }

  @Test
  void aDataFrameBecomesShardsOfBoundedSizeWithFeatureAndLabelBlocks() {
    XShards xs = shards();
    assertEquals(4, xs.numPartitions());
    assertEquals(1000, xs.count());
    assertEquals(12, xs.numShards(), "each partition of 250 rows: 100 + 100 + 50");
    try (ShardList all = xs.collect()) {
      assertEquals(12, all.size());
      assertEquals(1000, all.rows());
      Map<Integer, Integer> ids = TestData.idCounts(all);
      assertEquals(1000, ids.size());
      assertTrue(ids.values().stream().allMatch(n -> n == 1));
      assertEquals(List.of(100, 100, 50), all.subList(0, 3).stream().map(Shard::rows).toList());
      assertEquals(List.of("features", "label", "id"), all.get(0).columnNames());
      assertEquals(4, all.get(0).features().width());
    }
    try (Shard first = xs.first();
        ShardList two = xs.take(2)) {
      assertEquals(0, TestData.check(first).get(0));
      assertEquals(2, two.size());
      assertEquals(100, TestData.check(two.get(1)).get(0));
    }
  }

  @Test
  void transformationsAreLazyAndTheirErrorsComeWithTheAction() {
    XShards failing =
        shards()
            .transformShard(
                s -> {
                  throw new IllegalStateException("boom in " + s.name());
                });
    XShards repartitioned = failing.repartition(2);
    Exception e = assertThrows(Exception.class, repartitioned::count);
    assertTrue(e.getMessage().contains("boom in xshards"), e.getMessage());
  }

  @Test
  void anAddedColumnComesBackAsADataFrameColumnBesideTheOriginalRows() {
    Dataset<Row> df = TestData.frame(spark(), 300, 3);
    XShards predicted =
        XShards.fromDataFrame(
                df,
                TestData.FEATURES,
                List.of(),
                ConversionOptions.defaults().withRowsPerBatch(64).keepAllColumns())
            .withColumn(
                "prediction",
                2,
                (shard, out) -> {
                  for (int r = 0; r < out.rows(); r++) {
                    out.set(r, 0, shard.features().get(r, 0) * 2);
                    out.set(r, 1, -1);
                  }
                });
    Dataset<Row> back = predicted.toDataFrame();
    assertEquals("array<float>", back.schema().apply("prediction").dataType().simpleString());
    assertEquals(df.collectAsList(), back.select("id", "a", "b", "v", "label").collectAsList());
    for (Row r : back.select("id", "prediction").collectAsList()) {
      List<Object> p = r.getList(1);
      assertEquals(r.getInt(0) * 1f, (Float) p.get(0), 1e-6, "2 * id / 2");
      assertEquals(-1f, (Float) p.get(1));
    }
  }

  @Test
  void aTransformedShardSchemaIsReadFromTheFirstShard() {
    XShards xs = shards().transformShard(s -> s.withColumn("one", new float[s.rows()], 1));
    assertEquals(
        List.of("features", "label", "id", "one"),
        xs.schema().getFields().stream().map(f -> f.getName()).toList());
    assertEquals(1000, xs.toDataFrame().where("one = 0").count());
  }

  @Test
  void repartitionMovesWholeShardsAndCoalesceJoinsPartitions() {
    XShards xs = shards();
    XShards three = xs.repartition(3);
    assertEquals(3, three.numPartitions());
    assertEquals(12, three.numShards());
    XShards one = xs.coalesce(1);
    assertEquals(1, one.numPartitions());
    try (ShardList a = three.collect();
        ShardList b = one.collect()) {
      assertEquals(TestData.idCounts(a), TestData.idCounts(b));
      assertEquals(1000, TestData.idCounts(a).size());
    }
  }

  @Test
  void aRandomSplitIsDisjointCompleteAndRepeatable() {
    XShards xs = shards();
    List<XShards> parts = xs.randomSplit(new double[] {7, 3}, 42);
    Set<Integer> train = ids(parts.get(0));
    Set<Integer> test = ids(parts.get(1));
    assertTrue(train.size() > 640 && train.size() < 760, "about 70 %: " + train.size());
    assertEquals(1000, train.size() + test.size());
    Set<Integer> all = new HashSet<>(train);
    all.addAll(test);
    assertEquals(1000, all.size(), "disjoint and complete");
    assertEquals(
        train, ids(xs.randomSplit(new double[] {0.7, 0.3}, 42).get(0)), "same seed, same split");
    assertNotEquals(train, ids(xs.randomSplit(new double[] {0.7, 0.3}, 43).get(0)));
    assertThrows(OrcaDataException.class, () -> xs.randomSplit(new double[] {1, -1}, 1));
  }

  private static Set<Integer> ids(XShards xs) {
    try (ShardList shards = xs.collect()) {
      return TestData.idCounts(shards).keySet();
    }
  }

  @Test
  void zipPutsTheColumnsOfTwoXShardsSideBySide() {
    Dataset<Row> df = TestData.frame(spark(), 500, 2);
    ConversionOptions batches = ConversionOptions.defaults().withRowsPerBatch(128);
    XShards left =
        XShards.fromDataFrame(
            df, List.of("a", "b"), TestData.LABELS, batches.withKeepColumns(List.of("id")));
    XShards right =
        XShards.fromDataFrame(
            df, List.of("v"), List.of(), batches.withBlockNames("v_block", "unused"));
    XShards zipped = left.zip(right);
    assertEquals(
        List.of("features", "label", "id", "v_block"),
        zipped.schema().getFields().stream().map(f -> f.getName()).toList());
    try (ShardList shards = zipped.collect()) {
      assertEquals(500, shards.rows());
      for (Shard s : shards) {
        org.apache.arrow.vector.IntVector ids =
            (org.apache.arrow.vector.IntVector) s.root().getVector("id");
        for (int r = 0; r < s.rows(); r++) {
          float[] expected = TestData.features(ids.get(r));
          assertEquals(expected[0], s.features().get(r, 0));
          assertEquals(expected[1], s.features().get(r, 1));
          assertEquals(TestData.label(ids.get(r)), s.labels().get(r, 0));
          assertEquals(expected[2], s.block("v_block").get(r, 0));
          assertEquals(expected[3], s.block("v_block").get(r, 1));
        }
      }
    }
    OrcaDataException e =
        assertThrows(OrcaDataException.class, () -> left.zip(right.repartition(3)));
    assertTrue(
        e.getMessage().contains("2 partitions") && e.getMessage().contains("3 partitions"),
        e.getMessage());
  }

  @Test
  void cacheKeepsIpcBytesInSparkUntilUncacheAndHoldsNoArrowMemory() {
    LongAccumulator conversions = spark().sparkContext().longAccumulator("conversions");
    XShards xs =
        shards()
            .transformShard(
                s -> {
                  conversions.add(1);
                  return s;
                })
            .cache();
    assertTrue(xs.isCached());
    assertEquals(1000, xs.count());
    assertEquals(12, conversions.value());
    assertEquals(1000, xs.count());
    assertEquals(12, conversions.value(), "the second count reads the cache");
    assertEquals(1, orca.sparkContext().getPersistentRDDs().size());
    assertTrue(
        spark().sparkContext().getRDDStorageInfo()[0].memSize() > 1000 * 4 * 4,
        "the bytes are in Spark");
    xs.uncache();
    xs.uncache(); // idempotent
    assertEquals(0, orca.sparkContext().getPersistentRDDs().size());
    assertEquals(1000, xs.count());
    assertEquals(24, conversions.value(), "computed again after uncache");
  }

  @Test
  void aPartitionLargerThanABatchStreamsThroughOneBatchAtATime() {
    Dataset<Row> wide = spark().range(0, 100_000, 1, 1).selectExpr(wideColumns(32));
    List<Long> held = new ArrayList<>();
    org.apache.spark.util.CollectionAccumulator<Long> taskMemory =
        spark().sparkContext().collectionAccumulator();
    XShards xs =
        XShards.fromDataFrame(
                wide,
                featureNames(32),
                List.of(),
                ConversionOptions.defaults().withRowsPerBatch(1000))
            .transformShard(
                s -> {
                  taskMemory.add(dev.orca.arrow.ArrowMemory.current().getAllocatedMemory());
                  return s;
                });
    assertEquals(100_000, xs.count());
    held.addAll(taskMemory.value());
    long batchBytes = 1000L * 32 * Float.BYTES;
    long most = held.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertEquals(100, held.size());
    // 12.8 MB of features passed through; the task never held more than about one batch
    assertTrue(most < 2 * batchBytes, "held at most " + most + " bytes, a batch is " + batchBytes);
  }

  static String[] wideColumns(int n) {
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = "cast(id * " + (i + 1) + " % 101 as float) as f" + i;
    }
    return out;
  }

  static List<String> featureNames(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("f" + i);
    }
    return out;
  }
}

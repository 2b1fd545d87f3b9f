package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.NullPolicy;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every kind of input, and every kind of bad input, with the error each gets. */
class XShardsInputTest extends LocalOrcaTest {
  @Test
  void arraysAreSplitIntoShardsOfContiguousRows() {
    float[][] x = new float[10][];
    float[] y = new float[10];
    for (int i = 0; i < 10; i++) {
      x[i] = new float[] {i, 10 * i};
      y[i] = i % 2;
    }
    XShards xs = XShards.fromArrays(x, y, 3);
    assertEquals(3, xs.numPartitions());
    try (ShardList shards = xs.collect()) {
      assertEquals(List.of(3, 3, 4), shards.stream().map(Shard::rows).toList());
      assertArrayEquals(
          new float[] {6, 60, 7, 70, 8, 80, 9, 90}, shards.get(2).features().toArray());
      assertArrayEquals(new float[] {0, 1, 0, 1}, shards.get(2).labels().toArray());
    }
    XShards small =
        XShards.fromArrays(x, null, 2, ConversionOptions.defaults().withRowsPerBatch(2));
    assertEquals(6, small.numShards(), "5 rows per partition in shards of at most 2");
  }

  @Test
  void arraysTravelOncePerExecutorNotInsideEveryTask() throws Exception {
    // 2 partitions of 3 MB of features each: a task that carried its partition's rows would be
    // as large (Spark warns above 1 MB)
    int rows = 2048;
    int width = 768;
    float[][] x = new float[rows][width];
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      x[r][r % width] = r;
      y[r] = r % 3;
    }
    XShards xs = XShards.fromArrays(x, y, 2);
    for (org.apache.spark.Partition p : xs.rdd().rdd().partitions()) {
      java.io.ByteArrayOutputStream taskPart = new java.io.ByteArrayOutputStream();
      try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(taskPart)) {
        out.writeObject(p);
      }
      assertTrue(
          taskPart.size() < 10_000, "partition " + p.index() + ": " + taskPart.size() + " bytes");
    }
    for (int pass = 0; pass < 2; pass++) { // the second job reads what the executor kept
      try (ShardList shards = xs.collect()) {
        long seen = 0;
        float labels = 0;
        for (Shard s : shards) {
          float[] f = s.features().toArray();
          for (int r = 0; r < s.rows(); r++, seen++) {
            assertEquals(seen, f[r * width + (int) (seen % width)], "row " + seen);
          }
          for (float l : s.labels().toArray()) {
            labels += l;
          }
        }
        assertEquals(rows, seen);
        assertEquals(2047, labels, "683 ones and 682 twos");
      }
    }
  }

  @Test
  void nanInArraysFailsUnlessDroppedOrFilled() {
    float[][] x = {{1, 2}, {Float.NaN, 3}, {4, 5}, {6, Float.NaN}};
    assertMessage(
        () -> XShards.fromArrays(x, null, 1),
        "the features have a NaN or infinite value in 2 of 4 rows (the first is NaN, in row 1)");
    try (ShardList dropped =
        XShards.fromArrays(x, null, 1, ConversionOptions.defaults().withNullPolicy(NullPolicy.DROP))
            .collect()) {
      assertArrayEquals(new float[] {1, 2, 4, 5}, dropped.get(0).features().toArray());
    }
    try (Shard filled =
        XShards.fromArrays(
                x, null, 1, ConversionOptions.defaults().withNullPolicy(NullPolicy.fill(0)))
            .first()) {
      assertArrayEquals(new float[] {1, 2, 0, 3, 4, 5, 6, 0}, filled.features().toArray());
    }
    assertMessage(
        () -> XShards.fromArrays(new float[][] {{1, 2}, {3}}, null, 1),
        "row 1 of the features has 1 values where row 0 has 2");
    assertMessage(() -> XShards.fromArrays(new float[0][], null, 1), "the data set is empty");
    assertMessage(
        () -> XShards.fromArrays(x, new float[] {1, 2}, 1), "4 feature rows but 2 label rows");
  }

  @Test
  void aBadColumnChoiceFailsWhenTheXShardsIsMade() {
    Dataset<Row> df = TestData.frame(spark(), 100, 2);
    assertMessage(
        () -> XShards.fromDataFrame(df, List.of("a", "nope"), TestData.LABELS),
        "feature column 'nope' is not in the data; its columns are [id, a, b, v, label]");
    Dataset<Row> withText = df.selectExpr("*", "concat('x', id) as text");
    assertMessage(
        () -> XShards.fromDataFrame(withText, List.of("a", "text"), TestData.LABELS),
        "feature column 'text' has type string");
    assertMessage(
        () -> XShards.fromDataFrame(df.where("id < 0"), TestData.FEATURES, TestData.LABELS),
        "the data set is empty");
  }

  @Test
  void nullsInAFeatureColumnFailAtConversionNamingColumnAndRows() {
    Dataset<Row> df =
        TestData.frame(spark(), 100, 1)
            .selectExpr("id", "if(id % 10 = 3, null, a) as a", "b", "v", "label");
    XShards xs = XShards.fromDataFrame(df, TestData.FEATURES, TestData.LABELS);
    OrcaDataException e = assertThrows(OrcaDataException.class, xs::count);
    assertTrue(
        e.getMessage()
            .contains("feature column 'a' has a null, NaN or infinite value in 10 of 100 rows"),
        e.getMessage());
    assertEquals(
        90,
        XShards.fromDataFrame(
                df,
                TestData.FEATURES,
                TestData.LABELS,
                ConversionOptions.defaults().withNullPolicy(NullPolicy.DROP))
            .count());
  }

  @Test
  void arraysOfUnequalLengthFailAtConversion() {
    Dataset<Row> df =
        TestData.frame(spark(), 50, 1).selectExpr("a", "if(id = 30, array(1f), v) as v", "label");
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> XShards.fromDataFrame(df, List.of("a", "v"), TestData.LABELS).count());
    assertTrue(
        e.getMessage()
            .contains(
                "feature array column 'v' holds an array of length 1 where the arrays are 2 long"),
        e.getMessage());
  }

  private static void assertMessage(Executable call, String part) {
    OrcaDataException e = assertThrows(OrcaDataException.class, call);
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}

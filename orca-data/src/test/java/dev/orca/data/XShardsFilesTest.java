package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.IpcCompression;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardList;
import dev.orca.sampledata.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XShards to and from files: save and load, and Spark's CSV, Parquet and JSON readers. */
class XShardsFilesTest extends LocalOrcaTest {
  @TempDir Path dir;

  @Test
  void savedShardsLoadBackEqualPartitionByPartitionWithAnEmptyOne() {
    // ids 500..749 (partition 2) are filtered out: that partition is saved as no file
    Dataset<Row> df = TestData.frame(spark(), 1000, 4).where("id < 500 or id >= 750");
    XShards xs =
        XShards.fromDataFrame(
            df,
            TestData.FEATURES,
            TestData.LABELS,
            ConversionOptions.defaults().withRowsPerBatch(100).withKeepColumns(List.of("id")));
    String path = dir.resolve("saved").toString();
    xs.save(path, IpcCompression.ZSTD);
    assertTrue(Files.exists(dir.resolve("saved/part-00000.arrow")));
    assertTrue(Files.notExists(dir.resolve("saved/part-00002.arrow")));

    XShards loaded = XShards.load(path);
    assertEquals(4, loaded.numPartitions());
    assertEquals(xs.schema(), loaded.schema());
    try (ShardList before = xs.collect();
        ShardList after = loaded.collect()) {
      assertEquals(before.size(), after.size());
      for (int i = 0; i < before.size(); i++) {
        assertSameBatch(before.get(i).root(), after.get(i).root());
      }
    }
    assertEquals(750, loaded.count());

    OrcaDataException exists = assertThrows(OrcaDataException.class, () -> xs.save(path));
    assertTrue(exists.getMessage().contains("exists already"), exists.getMessage());
    OrcaDataException missing =
        assertThrows(
            OrcaDataException.class, () -> XShards.load(dir.resolve("nothing here").toString()));
    assertTrue(missing.getMessage().contains("no XShards saved at"), missing.getMessage());
  }

  private static void assertSameBatch(VectorSchemaRoot expected, VectorSchemaRoot actual) {
    assertTrue(
        expected.equals(actual),
        () -> expected.contentToTSVString() + "\nvs\n" + actual.contentToTSVString());
  }

  @Test
  void csvWithAHeaderAndAnotherDelimiter() throws Exception {
    List<String> lines = new ArrayList<>(List.of("x;y;name;label"));
    IntStream.range(0, 50).forEach(i -> lines.add(i + ";" + (i * 0.25) + ";n" + i + ";" + (i % 2)));
    Path csv = Files.write(dir.resolve("semi.csv"), lines);
    XShards xs =
        XShards.read()
            .option("header", "true")
            .option("delimiter", ";")
            .csv(csv.toString(), List.of("x", "y"), List.of("label"));
    try (ShardList shards = xs.collect()) {
      assertEquals(50, shards.rows());
      Shard s = shards.get(0);
      assertArrayEquals(new float[] {3, 0.75f}, s.features().rows(3, 1).toArray());
      assertEquals(1f, s.labels().get(3, 0));
    }
  }

  @Test
  void csvWithoutAHeaderReadWithAGivenSchema() throws Exception {
    Path csv = Files.write(dir.resolve("plain.csv"), List.of("1,2,0", "3,4,1", "5,6,1"));
    XShards xs =
        XShards.read()
            .schema("p DOUBLE, q DOUBLE, label INT")
            .csv(csv.toString(), List.of("p", "q"), List.of("label"));
    try (Shard s = xs.first()) {
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, s.features().toArray());
      assertArrayEquals(new float[] {0, 1, 1}, s.labels().toArray());
    }
  }

  @Test
  void parquetAndJsonFiles() throws Exception {
    Dataset<Row> df = TestData.frame(spark(), 200, 2);
    String parquet = dir.resolve("frame.parquet").toString();
    df.write().parquet(parquet);
    XShards fromParquet =
        XShards.read()
            .conversion(ConversionOptions.defaults().withKeepColumns(List.of("id")))
            .parquet(parquet, TestData.FEATURES, TestData.LABELS);
    try (ShardList shards = fromParquet.collect()) {
      assertEquals(200, TestData.idCounts(shards).size());
    }
    Path json =
        Files.write(
            dir.resolve("rows.json"),
            List.of(
                "{\"u\": 1.5, \"w\": [1, 2], \"label\": 0}",
                "{\"u\": 2.5, \"w\": [3, 4], \"label\": 1}"));
    XShards fromJson = XShards.read().json(json.toString(), List.of("u", "w"), List.of("label"));
    try (Shard s = fromJson.first()) {
      assertArrayEquals(new float[] {1.5f, 1, 2, 2.5f, 3, 4}, s.features().toArray());
      assertEquals(List.of("u", "w"), s.featureColumns().stream().map(c -> c.name()).toList());
    }
  }

  @Test
  void theDigitsDataSetReadsAsSixtyFourPixelFeaturesAndClassLabels() {
    String digits = SampleData.DIGITS.copyTo(dir).toString();
    List<String> pixels = IntStream.range(0, 64).mapToObj(i -> "_c" + i).toList();
    XShards xs = XShards.read().csv(digits, pixels, List.of("_c64"));
    assertEquals(1797, xs.count());
    try (ShardList shards = xs.collect()) {
      float max = 0;
      for (Shard s : shards) {
        assertEquals(64, s.features().width());
        s.labels().checkClassIndices(10);
        for (float v : s.features().toArray()) {
          max = Math.max(max, v);
        }
      }
      assertEquals(16f, max, "pixel values run from 0 to 16");
    }
  }
}

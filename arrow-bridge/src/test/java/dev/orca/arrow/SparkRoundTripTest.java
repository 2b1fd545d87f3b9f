package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.arrow.internal.SparkPlans;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.collection.immutable.Seq;

/** DataFrames to shards and back on a real SparkSession. */
class SparkRoundTripTest {
  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("arrow-bridge test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /**
   * What {@link #shardsATaskLeavesOpenAreClosedWhenItEndsAndOtherLeaksFailTheTask} leaks on
   * purpose.
   */
  private static long leakedOnPurpose;

  @AfterEach
  void everyTaskGaveItsMemoryBack() {
    assertEquals(leakedOnPurpose, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
  }

  /** Three rows over five partitions (two empty), then one partition of 197 rows. */
  private static Dataset<Row> mixedPartitions() {
    JavaRDD<Row> small = jsc.parallelize(AllTypes.rows(0, 3), 5);
    JavaRDD<Row> big = jsc.parallelize(AllTypes.rows(3, 200), 1);
    return spark.createDataFrame(small.union(big), AllTypes.SCHEMA);
  }

  @Test
  void everyTypeComesBackAsItWasWithNullsEmptyPartitionsAndPartitionsLargerThanABatch() {
    assertRoundTrip(mixedPartitions());
  }

  @Test
  void aCachedDataFrameAndParquetFilesAreReadFromTheirColumnBatchesWithTheSameResult(
      @TempDir Path dir) {
    Dataset<Row> cached = mixedPartitions().cache();
    try {
      assertRoundTrip(
          cached); // Spark's cache gives column batches of primitive columns only: rows here
    } finally {
      cached.unpersist(true);
    }
    String path = dir.resolve("all.parquet").toString();
    mixedPartitions().write().parquet(path);
    Dataset<Row> parquet = spark.read().parquet(path);
    assertTrue(
        SparkPlans.batches(parquet).isPresent(), "Parquet is read column-wise, arrays included");
    ShardConverter converter =
        ShardConverter.of(
            parquet,
            AllTypes.FEATURES,
            AllTypes.LABELS,
            ConversionOptions.defaults().withKeepColumns(List.of("int", "string")));
    List<Row> back =
        ArrowToSpark.toDataFrame(spark, converter.convert(parquet, "parquet"), converter.schema())
            .select("int", "string", "features")
            .collectAsList();
    assertEquals(200, back.size());
    java.util.Set<String> expected = new java.util.HashSet<>();
    java.util.Set<String> actual = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      Row r = AllTypes.row(i);
      expected.add(
          r.get(3) + "/" + r.get(7) + "/" + java.util.Arrays.toString(AllTypes.features(i)));
      Seq<Object> f = back.get(i).getSeq(2);
      float[] values = new float[f.size()];
      for (int j = 0; j < values.length; j++) {
        values[j] = (Float) f.apply(j);
      }
      actual.add(
          back.get(i).get(0) + "/" + back.get(i).get(1) + "/" + java.util.Arrays.toString(values));
    }
    assertEquals(expected, actual, "Parquet's row order may differ; the rows may not");
  }

  /**
   * The column-wise fast path against the row path, on scalar features of every numeric type, with
   * Spark batches of 7 rows split between shards of 10, and nulls and NaN where the policy allows.
   */
  @ParameterizedTest
  @ValueSource(strings = {"FAIL", "DROP", "FILL"})
  void columnBatchesGiveTheSameShardsAsRows(String policyName) {
    NullPolicy policy =
        policyName.equals("FILL")
            ? NullPolicy.fill(-1)
            : policyName.equals("DROP") ? NullPolicy.DROP : NullPolicy.FAIL;
    boolean bad = policy != NullPolicy.FAIL;
    Dataset<Row> df =
        spark
            .range(0, 100, 1, 3)
            .selectExpr(
                "cast(id as float) as f",
                "if(" + bad + " and id % 17 = 5, cast('NaN' as double), id / 3.0) as d",
                "cast(id as int) as i",
                "id * 1000000000 as l",
                "cast(id as short) as s",
                "cast(id as byte) as b",
                "id % 2 = 0 as bool",
                "cast(id as int) as name",
                "if(" + bad + " and id % 23 = 4, null, cast(id as float)) as nf");
    ConversionOptions options =
        ConversionOptions.defaults()
            .withRowsPerBatch(10)
            .withKeepColumns(List.of("name"))
            .withNullPolicy(policy);
    List<String> features = List.of("f", "d", "i", "l", "s", "b", "bool", "nf");
    ShardConverter converter = ShardConverter.of(df, features, List.of(), options);
    List<byte[]> byRows = ipc(converter.convert(df, "rows"));
    spark.conf().set("spark.sql.inMemoryColumnarStorage.batchSize", "7");
    Dataset<Row> cached = df.cache();
    try {
      assertTrue(SparkPlans.batches(cached).isPresent());
      List<byte[]> byColumns = ipc(converter.convert(cached, "columns"));
      assertEquals(byRows.size(), byColumns.size());
      long rows = 0;
      for (int i = 0; i < byRows.size(); i++) {
        try (Shard a = ArrowIpc.fromBytes(byRows.get(i), ArrowMemory.root());
            Shard b = ArrowIpc.fromBytes(byColumns.get(i), ArrowMemory.root())) {
          AllTypes.assertSameBatch(a.root(), b.root());
          rows += a.rows();
        }
      }
      assertEquals(
          policy == NullPolicy.DROP ? 100 - 6 - 5 + 1 : 100,
          rows,
          "ids 5, 22, .. and 4, 27, .. (73 both)");
    } finally {
      cached.unpersist(true);
      spark.conf().unset("spark.sql.inMemoryColumnarStorage.batchSize");
    }
  }

  private static List<byte[]> ipc(JavaRDD<Shard> shards) {
    return shards
        .map(
            s -> {
              try (s) {
                return ArrowIpc.toBytes(s);
              }
            })
        .collect();
  }

  private static void assertRoundTrip(Dataset<Row> df) {
    ShardConverter converter =
        ShardConverter.of(
            df,
            AllTypes.FEATURES,
            AllTypes.LABELS,
            ConversionOptions.defaults().withRowsPerBatch(16).keepAllColumns());
    List<List<Integer>> shardRows =
        converter
            .convert(df, "sizes")
            .mapPartitions(
                it -> {
                  List<Integer> rows = new ArrayList<>();
                  while (it.hasNext()) {
                    try (Shard s = it.next()) {
                      rows.add(s.rows());
                    }
                  }
                  return List.of(rows).iterator();
                })
            .collect();
    assertEquals(6, shardRows.size());
    assertEquals(
        List.of(List.of(), List.of(1), List.of(), List.of(1), List.of(1)), shardRows.subList(0, 5));
    assertEquals(13, shardRows.get(5).size(), "197 rows in batches of 16");
    assertEquals(5, shardRows.get(5).get(12));

    Dataset<Row> back =
        ArrowToSpark.toDataFrame(spark, converter.convert(df, "back"), converter.schema());
    Dataset<Row> kept =
        back.select(
            df.columns()[0], java.util.Arrays.copyOfRange(df.columns(), 1, df.columns().length));
    assertEquals(df.schema(), kept.schema());
    assertEquals(df.collectAsList(), kept.collectAsList());
    List<Row> blocks = back.select("features", "label").collectAsList();
    for (int i = 0; i < 200; i++) {
      Seq<Object> features = blocks.get(i).getSeq(0);
      float[] actual = new float[features.size()];
      for (int j = 0; j < actual.length; j++) {
        actual[j] = (Float) features.apply(j);
      }
      assertArrayEquals(AllTypes.features(i), actual, "row " + i);
      assertEquals((float) AllTypes.y(i), blocks.get(i).getFloat(1));
    }
  }

  @Test
  void aPredictionAppendedToEachShardBecomesAColumnBesideTheOriginalRows() {
    Dataset<Row> df = mixedPartitions();
    ShardConverter converter =
        ShardConverter.of(
            df,
            AllTypes.FEATURES,
            List.of(),
            ConversionOptions.defaults()
                .withRowsPerBatch(50)
                .withKeepColumns(List.of("int", "string")));
    JavaRDD<Shard> predicted =
        converter
            .convert(df, "predict")
            .map(
                shard -> {
                  try (shard) {
                    return shard.withColumn(
                        "prediction",
                        1,
                        out -> {
                          FloatBlock x = shard.features();
                          for (int r = 0; r < x.rows(); r++) {
                            float sum = 0;
                            for (int c = 0; c < x.width(); c++) {
                              sum += x.get(r, c);
                            }
                            out.set(r, 0, sum);
                          }
                        });
                  }
                });
    List<Field> fields = new ArrayList<>(converter.schema().getFields());
    fields.add(Shard.floatField("prediction", 1));
    List<Row> rows =
        ArrowToSpark.toDataFrame(spark, predicted, new Schema(fields))
            .select("int", "string", "prediction")
            .collectAsList();
    assertEquals(200, rows.size());
    for (int i = 0; i < 200; i++) {
      float expected = 0;
      for (float f : AllTypes.features(i)) {
        expected += f;
      }
      assertEquals(expected, rows.get(i).getFloat(2), 1e-4f);
      assertEquals(AllTypes.row(i).get(3), rows.get(i).get(0));
      assertEquals(AllTypes.row(i).get(7), rows.get(i).get(1));
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void nanInAFeatureFailsTheConversionNamingTheColumn(boolean cached) {
    List<Row> rows = AllTypes.rows(0, 30);
    rows.set(12, AllTypes.withX(rows.get(12), Float.NaN));
    Dataset<Row> df =
        spark.createDataFrame(jsc.parallelize(rows, 3), AllTypes.SCHEMA).select("x", "y", "float");
    if (cached) {
      df = df.cache(); // primitive columns only: column batches, and a NaN in the fast path
      assertTrue(SparkPlans.batches(df).isPresent());
    }
    nanFailsOrIsDropped(df);
    df.unpersist(true);
  }

  private static void nanFailsOrIsDropped(Dataset<Row> df) {
    ShardConverter converter =
        ShardConverter.of(df, List.of("x"), AllTypes.LABELS, ConversionOptions.defaults());
    Exception e = assertThrows(Exception.class, () -> converter.convert(df, "bad data").count());
    assertTrue(
        e.getMessage()
            .contains(
                "feature column 'x' has a null, NaN or infinite value in 1 of 10 rows of bad data"
                    + " partition 1 (the first is NaN, in row 3)"),
        e.getMessage());
    long kept =
        converter.options().nullPolicy() == NullPolicy.FAIL
            ? ShardConverter.of(
                    df,
                    List.of("x"),
                    AllTypes.LABELS,
                    ConversionOptions.defaults().withNullPolicy(NullPolicy.DROP))
                .convert(df, "dropped")
                .map(
                    s -> {
                      try (s) {
                        return s.rows();
                      }
                    })
                .reduce(Integer::sum)
            : 0;
    assertEquals(29, kept);
  }

  @Test
  void shardsATaskLeavesOpenAreClosedWhenItEndsAndOtherLeaksFailTheTask() {
    Dataset<Row> df = mixedPartitions();
    ShardConverter converter =
        ShardConverter.of(df, AllTypes.FEATURES, AllTypes.LABELS, ConversionOptions.defaults());
    // count() takes every shard and closes none: the end of each task does
    assertEquals(4, converter.convert(df, "left open").count());
    assertEquals(0, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
    // a buffer taken from the task's allocator and never given back cannot be freed by anyone: a
    // bug
    Exception leak =
        assertThrows(
            Exception.class,
            () -> jsc.parallelize(List.of(1), 1).foreach(x -> ArrowMemory.current().buffer(64)));
    assertTrue(
        leak.getMessage().contains("Arrow memory leaked in task")
            && leak.getMessage().contains("still held"),
        leak.getMessage());
    leakedOnPurpose = ArrowMemory.allocatedBytes();
    assertTrue(
        leakedOnPurpose >= 64 && leakedOnPurpose <= 1024, "the leaked buffer: " + leakedOnPurpose);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void mlVectorsGiveTheSameBlockAsTheSameValuesInArrays(boolean cached) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      org.apache.spark.ml.linalg.Vector v =
          i % 3 == 0
              ? org.apache.spark.ml.linalg.Vectors.sparse(
                  3, new int[] {i % 2 == 0 ? 0 : 2}, new double[] {i})
              : org.apache.spark.ml.linalg.Vectors.dense(i, -i, 0.25);
      rows.add(org.apache.spark.sql.RowFactory.create(v, v.toArray(), (double) (i % 2)));
    }
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("vec", org.apache.spark.ml.linalg.SQLDataTypes.VectorType())
            .add(
                "arr",
                org.apache.spark.sql.types.DataTypes.createArrayType(
                    org.apache.spark.sql.types.DataTypes.DoubleType))
            .add("label", org.apache.spark.sql.types.DataTypes.DoubleType);
    Dataset<Row> df = spark.createDataFrame(jsc.parallelize(rows, 3), schema);
    if (cached) {
      df = df.cache();
    }
    // the width is learnt from the first row (a sparse vector) by the probe
    ShardConverter vectors =
        ShardConverter.of(df, List.of("vec"), List.of("label"), ConversionOptions.defaults());
    ShardConverter arrays =
        ShardConverter.of(df, List.of("arr"), List.of("label"), ConversionOptions.defaults());
    float[] fromVectors = features(vectors.convert(df, "vectors"));
    assertEquals(150, fromVectors.length);
    assertArrayEquals(features(arrays.convert(df, "arrays")), fromVectors);
    assertArrayEquals(new float[] {0, 0, 0, 1, -1, 0.25f}, java.util.Arrays.copyOf(fromVectors, 6));
    df.unpersist(true);
  }

  private static float[] features(JavaRDD<Shard> shards) {
    List<float[]> parts =
        shards
            .map(
                s -> {
                  try (s) {
                    return s.features().toArray();
                  }
                })
            .collect();
    int n = parts.stream().mapToInt(p -> p.length).sum();
    float[] all = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  @Test
  void anEmptyDataFrameOrArraysThatAreAlwaysNullFailAtOnce() {
    Dataset<Row> empty = spark.createDataFrame(List.of(), AllTypes.SCHEMA);
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () ->
                ShardConverter.of(
                    empty, AllTypes.FEATURES, AllTypes.LABELS, ConversionOptions.defaults()));
    assertTrue(e.getMessage().contains("the data set is empty"), e.getMessage());
    Dataset<Row> noArrays = mixedPartitions().where("int is null");
    OrcaDataException n =
        assertThrows(
            OrcaDataException.class,
            () ->
                ShardConverter.of(
                    noArrays, List.of("doubles"), List.of(), ConversionOptions.defaults()));
    assertTrue(n.getMessage().contains("[doubles] are null in every row"), n.getMessage());
  }
}

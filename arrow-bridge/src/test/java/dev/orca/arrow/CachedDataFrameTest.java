package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.arrow.internal.SparkPlans;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A cached DataFrame read where Spark's cache keeps its columns, into shards whose memory is cut
 * from slabs: the same shards as the row path, the same refusals, and every byte given back.
 */
class CachedDataFrameTest {
  /**
   * Thirteen adjacent float features: copied as a group of eight, one of four and a single one (or,
   * with a null in f11, which Spark then decodes, eight, two, and one).
   */
  private static final int FLOATS = 13;

  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("arrow-bridge cached test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /**
   * Arrow memory held before each test: SparkRoundTripTest leaks a buffer on purpose, and surefire
   * may run it first in this JVM (the order of classes follows the file system).
   */
  private long heldBefore;

  @BeforeEach
  void noteWhatIsHeldAlready() {
    heldBefore = ArrowMemory.allocatedBytes();
  }

  @AfterEach
  void everyTaskGaveItsMemoryBack() {
    assertEquals(heldBefore, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
  }

  private static List<String> features() {
    List<String> out = new ArrayList<>();
    for (int j = 0; j < FLOATS; j++) {
      out.add("f" + j);
    }
    out.add("d");
    out.add("i");
    return out;
  }

  /**
   * Random floats with -0.0, the smallest subnormal and the largest float among them, a double, a
   * small int (which Spark's cache compresses), a label, an id to keep and a string not converted.
   */
  private static Dataset<Row> frame(long rows, String badValue, int badColumn) {
    List<String> columns = new ArrayList<>();
    for (int j = 0; j < FLOATS; j++) {
      String value =
          "case when id % 997 = 3 then cast('-0.0' as float)"
              + " when id % 991 = 5 then cast('1.4E-45' as float)"
              + " when id % 983 = 7 then cast('3.4028235E38' as float)"
              + " else cast(rand("
              + j
              + ") * 100 - 50 as float) end";
      if (j == badColumn) {
        value = "if(id = 5, " + badValue + ", " + value + ")";
      }
      columns.add(value + " as f" + j);
    }
    columns.add("rand(99) as d");
    columns.add("cast(id % 3 as int) as i");
    columns.add("cast(id % 10 as float) as y");
    columns.add("id");
    columns.add("cast(id as string) as s");
    return spark.range(0, rows, 1, 2).selectExpr(columns.toArray(String[]::new));
  }

  private static ShardConverter converter(Dataset<Row> df, NullPolicy policy) {
    return ShardConverter.of(
        df,
        features(),
        List.of("y"),
        ConversionOptions.defaults().withNullPolicy(policy).withKeepColumns(List.of("id")));
  }

  @Test
  void cachedColumnsAreReadWhereSparkKeepsThemAndGiveTheShardsOfTheRowPathBitForBit() {
    Dataset<Row> df = frame(50_000, null, -1);
    ShardConverter converter = converter(df, NullPolicy.FAIL);
    // not cached yet: generated rows, read row by row
    List<byte[]> byRows = ipc(converter.convert(df, "rows"));
    Dataset<Row> cached = df.cache();
    try {
      cached.count();
      int[] read = new int[FLOATS + 4];
      for (int j = 0; j < read.length; j++) {
        read[j] = j; // f0..f12, d, i, y, id: not s
      }
      List<String> kinds =
          SparkPlans.batches(cached, read).orElseThrow().map(CachedDataFrameTest::kinds).collect();
      assertEquals(6, kinds.size(), "25,000 rows a partition, in Spark's batches of 10,000");
      for (String k : kinds) {
        assertTrue(
            k.startsWith("CachedColumn ".repeat(FLOATS + 1)),
            "floats and the double are read where they lie: " + k);
        assertTrue(k.endsWith(" null"), "the string column is not read: " + k);
      }
      List<byte[]> byColumns = ipc(converter.convert(cached, "cache"));
      assertEquals(byRows.size(), byColumns.size());
      assertEquals(4, byRows.size(), "25,000 rows a partition: a shard of 16,384 and the rest");
      for (int i = 0; i < byRows.size(); i++) {
        try (Shard a = ArrowIpc.fromBytes(byRows.get(i), ArrowMemory.root());
            Shard b = ArrowIpc.fromBytes(byColumns.get(i), ArrowMemory.root())) {
          AllTypes.assertSameBatch(a.root(), b.root());
        }
      }
    } finally {
      cached.unpersist(true);
    }
  }

  private static String kinds(ColumnarBatch batch) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < batch.numCols(); c++) {
      b.append(c == 0 ? "" : " ")
          .append(batch.column(c) == null ? "null" : batch.column(c).getClass().getSimpleName());
    }
    return b.toString();
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("cast('NaN' as float)", 0, "NaN"),
        Arguments.of("cast('Infinity' as float)", 7, "Infinity"),
        Arguments.of("cast('-Infinity' as float)", 8, "-Infinity"),
        Arguments.of("cast(null as float)", 11, "null"),
        Arguments.of("cast('NaN' as float)", 12, "NaN"));
  }

  @ParameterizedTest(name = "{2} in f{1}")
  @MethodSource("badValues")
  void aNanAnInfinityOrANullInACachedFloatColumnIsRefusedOrDroppedAsOnTheRowPath(
      String bad, int column, String shown) {
    Dataset<Row> cached = frame(50_000, bad, column).cache();
    try {
      // Spark wraps the task's OrcaDataException (XShards unwraps it for users)
      Exception e =
          assertThrows(
              Exception.class,
              () -> converter(cached, NullPolicy.FAIL).convert(cached, "bad").count());
      assertTrue(
          e.getMessage()
              .contains(
                  "feature column 'f"
                      + column
                      + "' has a null, NaN or infinite value in 1 of 25000 rows of bad partition 0"
                      + " (the first is "
                      + shown
                      + ", in row 6)"),
          e.getMessage());
      long kept =
          converter(cached, NullPolicy.DROP)
              .convert(cached, "dropped")
              .map(
                  s -> {
                    try (s) {
                      return (long) s.rows();
                    }
                  })
              .reduce(Long::sum);
      assertEquals(49_999, kept);
    } finally {
      cached.unpersist(true);
    }
  }

  @Test
  void shardsCutFromSlabsGiveEveryByteBackInWhateverOrderTheyAreClosed() {
    Dataset<Row> cached = frame(100_000, null, -1).cache();
    try {
      ShardConverter converter = converter(cached, NullPolicy.FAIL);
      List<long[]> memory =
          converter
              .convert(cached, "held")
              .mapPartitions(
                  it -> {
                    List<Shard> held = new ArrayList<>();
                    it.forEachRemaining(held::add);
                    long holding = ArrowMemory.current().getAllocatedMemory();
                    long bytes = 0;
                    for (Shard s : held) {
                      bytes += s.features().byteSize();
                    }
                    // every other shard first, then the rest from the last: pieces of one slab
                    // are released out of order
                    for (int i = 0; i < held.size(); i += 2) {
                      held.get(i).close();
                    }
                    for (int i = held.size() - 1; i >= 0; i--) {
                      held.get(i).close();
                    }
                    return List.of(
                            new long[] {
                              held.size(),
                              bytes,
                              holding,
                              ArrowMemory.current().getAllocatedMemory()
                            })
                        .iterator();
                  })
              .collect();
      assertEquals(2, memory.size());
      for (long[] m : memory) {
        assertEquals(4, m[0], "50,000 rows a partition");
        assertEquals(50_000L * (FLOATS + 2) * Float.BYTES, m[1]);
        assertTrue(
            m[2] >= m[1] && m[2] <= m[1] + (34L << 20),
            "held while the shards are open: " + m[2] + " for " + m[1] + " bytes of features");
        assertEquals(0, m[3], "every piece closed, nothing left in the task");
      }
      // a consumer that stops after the first shard: the end of the task lets go of the rest
      assertEquals(
          16_384,
          converter
              .convert(cached, "first only")
              .map(
                  s -> {
                    try (s) {
                      return s.rows();
                    }
                  })
              .first());
    } finally {
      cached.unpersist(true);
    }
  }

  @Test
  void aConsumerThatClosesEachShardBeforeTakingTheNextHasItWrittenWhereThePreviousOneWas() {
    String[] columns = new String[40];
    List<String> names = new ArrayList<>();
    for (int j = 0; j < columns.length; j++) {
      columns[j] = "cast(id * " + (j + 1) + " % 101 as float) as f" + j;
      names.add("f" + j);
    }
    Dataset<Row> wide = spark.range(0, 200_000, 1, 1).selectExpr(columns);
    ShardConverter converter =
        ShardConverter.of(wide, names, List.of(), ConversionOptions.defaults());
    List<long[]> seen =
        converter
            .convert(wide, "streamed")
            .mapPartitions(
                it -> {
                  List<long[]> out = new ArrayList<>();
                  while (it.hasNext()) {
                    try (Shard s = it.next()) {
                      out.add(
                          new long[] {
                            s.features().address(), ArrowMemory.current().getAllocatedMemory()
                          });
                    }
                  }
                  return out.iterator();
                })
            .collect();
    assertEquals(13, seen.size(), "12 shards of 16,384 rows and one of 3,392");
    long batch = 16_384L * 40 * Float.BYTES;
    for (int i = 0; i < 12; i++) {
      assertEquals(seen.get(0)[0], seen.get(i)[0], "shard " + i + " in the same memory");
      assertTrue(
          seen.get(i)[1] >= batch && seen.get(i)[1] <= (4L << 20) + batch / 16,
          "one slab of 4 MiB (and validity bits) for batches of "
              + batch
              + " bytes, held "
              + seen.get(i)[1]);
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
}

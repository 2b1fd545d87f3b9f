package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.NullPolicy;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardList;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.vector.BigIntVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * +Infinity, -Infinity and doubles beyond float range (which become infinite as floats) in a
 * feature or label column are treated like NaN when a DataFrame becomes shards: refused with the
 * column, the first row and the value named, or dropped or filled as the null policy says, on the
 * row path and on the column-batch path of a cached DataFrame alike.
 */
class NonFiniteValuesTest extends LocalOrcaTest {
  private static final int ROWS = 20;

  /** The id whose value is made non-finite: the 8th row of the data and of its first partition. */
  private static final long BAD_ID = 7;

  private static final float FILL = -5;

  enum Where {
    SCALAR_FEATURE("feature column 'a'"),
    ARRAY_FEATURE("feature array column 'v'"),
    LABEL("label column 'y'");

    final String named;

    Where(String named) {
      this.named = named;
    }
  }

  /** A value as Spark SQL writes it, and as the message shows it. */
  enum Value {
    POSITIVE_INFINITY("cast('Infinity' as double)", "Infinity"),
    NEGATIVE_INFINITY("cast('-Infinity' as double)", "-Infinity"),
    BEYOND_FLOAT_RANGE("cast('1e39' as double)", "1.0E39, beyond float range");

    final String sql;
    final String shown;

    Value(String sql, String shown) {
      this.sql = sql;
      this.shown = shown;
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Value v : Value.values()) {
      for (Where w : Where.values()) {
        for (boolean cached : new boolean[] {false, true}) {
          out.add(Arguments.of(v, w, cached));
        }
      }
    }
    return out.stream();
  }

  /** id, a (double), v (array of 2 doubles), y (double) in 2 partitions; one value replaced. */
  private static Dataset<Row> frame(Value value, Where where) {
    String bad = "id = " + BAD_ID;
    return spark()
        .range(0, ROWS, 1, 2)
        .selectExpr(
            "id",
            where == Where.SCALAR_FEATURE
                ? "if(" + bad + ", " + value.sql + ", cast(id as double)) as a"
                : "cast(id as double) as a",
            where == Where.ARRAY_FEATURE
                ? "array(if(" + bad + ", " + value.sql + ", cast(id as double)), 1d) as v"
                : "array(cast(id as double), 1d) as v",
            where == Where.LABEL
                ? "if(" + bad + ", " + value.sql + ", cast(id % 3 as double)) as y"
                : "cast(id % 3 as double) as y");
  }

  private static XShards shards(Dataset<Row> df, Where where, NullPolicy policy) {
    List<String> features = List.of(where == Where.ARRAY_FEATURE ? "v" : "a");
    return XShards.fromDataFrame(
        df,
        features,
        List.of("y"),
        ConversionOptions.defaults().withNullPolicy(policy).withKeepColumns(List.of("id")));
  }

  /** Runs {@code test} on the frame, cached (read as column batches) or not. */
  private static void withFrame(
      Value value, Where where, boolean cached, java.util.function.Consumer<Dataset<Row>> test) {
    Dataset<Row> df = frame(value, where);
    if (!cached) {
      test.accept(df);
      return;
    }
    // only the columns converted, so the cached scan gives column batches for scalar columns
    Dataset<Row> c = df.select("id", where == Where.ARRAY_FEATURE ? "v" : "a", "y").cache();
    try {
      test.accept(c);
    } finally {
      c.unpersist(true);
    }
  }

  @ParameterizedTest(name = "{0} in {1}, cached {2}")
  @MethodSource("cases")
  void failNamesTheColumnTheFirstRowAndTheValue(Value value, Where where, boolean cached) {
    withFrame(
        value,
        where,
        cached,
        df -> {
          // one partition: when the job fails, no other task is still holding Arrow memory
          XShards xs = shards(df.coalesce(1), where, NullPolicy.FAIL);
          OrcaDataException e = assertThrows(OrcaDataException.class, xs::count);
          String m = e.getMessage();
          assertTrue(
              m.contains(
                  where.named
                      + " has a null, NaN or infinite value in 1 of 20 rows of "
                      + xs.name()
                      + " partition 0"),
              m);
          assertTrue(
              m.contains(
                  "(the first is "
                      + value.shown
                      + ", in row 8"
                      + (where == Where.ARRAY_FEATURE ? " at index 0" : "")
                      + ")"),
              m);
          assertTrue(m.contains("NullPolicy.DROP") && m.contains("NullPolicy.fill"), m);
        });
  }

  @ParameterizedTest(name = "{0} in {1}, cached {2}")
  @MethodSource("cases")
  void dropLeavesTheRowOut(Value value, Where where, boolean cached) {
    withFrame(
        value,
        where,
        cached,
        df -> {
          try (ShardList shards = shards(df, where, NullPolicy.DROP).collect()) {
            List<Long> ids = new ArrayList<>();
            for (Shard s : shards) {
              BigIntVector id = (BigIntVector) s.root().getVector("id");
              for (int i = 0; i < s.rows(); i++) {
                ids.add(id.get(i));
                assertEquals(id.get(i), s.features().get(i, 0), "the features stay with the id");
              }
            }
            assertEquals(ROWS - 1, ids.size());
            assertTrue(!ids.contains(BAD_ID), ids.toString());
          }
        });
  }

  @ParameterizedTest(name = "{0} in {1}, cached {2}")
  @MethodSource("cases")
  void fillPutsTheValueInItsPlace(Value value, Where where, boolean cached) {
    withFrame(
        value,
        where,
        cached,
        df -> {
          try (ShardList shards = shards(df, where, NullPolicy.fill(FILL)).collect()) {
            int rows = 0;
            for (Shard s : shards) {
              BigIntVector id = (BigIntVector) s.root().getVector("id");
              for (int i = 0; i < s.rows(); i++, rows++) {
                long at = id.get(i);
                boolean bad = at == BAD_ID;
                float feature = s.features().get(i, 0);
                float label = s.labels().get(i, 0);
                assertEquals(bad && where != Where.LABEL ? FILL : at, feature, "id " + at);
                assertEquals(bad && where == Where.LABEL ? FILL : at % 3, label, "id " + at);
              }
            }
            assertEquals(ROWS, rows);
          }
        });
  }

  @Test
  void arraysWithInfinityFailUnlessDroppedOrFilled() {
    float[][] x = {{1, 2}, {3, Float.POSITIVE_INFINITY}, {4, 5}, {Float.NEGATIVE_INFINITY, 6}};
    OrcaDataException e =
        assertThrows(OrcaDataException.class, () -> XShards.fromArrays(x, null, 1));
    assertTrue(
        e.getMessage()
            .contains(
                "the features have a NaN or infinite value in 2 of 4 rows (the first is"
                    + " Infinity, in row 1)"),
        e.getMessage());
    float[] y = {0, 1, Float.NEGATIVE_INFINITY, 1};
    float[][] finite = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
    e = assertThrows(OrcaDataException.class, () -> XShards.fromArrays(finite, y, 1));
    assertTrue(
        e.getMessage()
            .contains(
                "the features have a NaN or infinite value in 0 of 4 rows and the labels in 1"
                    + " (the first is -Infinity, in row 2)"),
        e.getMessage());
    try (ShardList dropped =
        XShards.fromArrays(x, null, 1, ConversionOptions.defaults().withNullPolicy(NullPolicy.DROP))
            .collect()) {
      assertArrayEquals(new float[] {1, 2, 4, 5}, dropped.get(0).features().toArray());
    }
    try (Shard filled =
        XShards.fromArrays(
                x, null, 1, ConversionOptions.defaults().withNullPolicy(NullPolicy.fill(0)))
            .first()) {
      assertArrayEquals(new float[] {1, 2, 3, 0, 4, 5, 0, 6}, filled.features().toArray());
    }
  }

  @Test
  void aFillValueThatIsNotFiniteIsRefused() {
    for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      OrcaConfigurationException e =
          assertThrows(OrcaConfigurationException.class, () -> NullPolicy.fill(v));
      assertTrue(e.getMessage().contains("fill with a finite number"), e.getMessage());
    }
  }
}

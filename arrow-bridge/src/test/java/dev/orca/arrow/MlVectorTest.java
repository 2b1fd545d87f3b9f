package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spark ML vector columns, dense and sparse, go into a block in the same pass as arrays, with the
 * same checks: one size for all, and nulls, NaN and infinities per the null policy. Spark's
 * internal rows, generic and unsafe, straight in.
 */
class MlVectorTest extends AllocatorTest {
  private static final VectorUDT VECTOR = (VectorUDT) SQLDataTypes.VectorType();
  private static final StructType SCHEMA =
      new StructType()
          .add("x", DataTypes.FloatType, false)
          .add("vec", VECTOR, true)
          .add("label", DataTypes.DoubleType, false);
  private static final ConversionOptions WIDTH_4 =
      ConversionOptions.defaults().withArrayWidth("vec", 4);

  /** Row i: x = i, vec = dense [i, 0, -i, 0.5] for even i, sparse (4, {1: i, 3: 2}) for odd. */
  private static Vector vec(int i) {
    return i % 2 == 0
        ? Vectors.dense(i, 0, -i, 0.5)
        : Vectors.sparse(4, new int[] {1, 3}, new double[] {i, 2});
  }

  private static float[] expected(int i) {
    return i % 2 == 0 ? new float[] {i, i, 0, -i, 0.5f} : new float[] {i, 0, i, 0, 2};
  }

  private static InternalRow row(int i, Vector v) {
    return new GenericInternalRow(
        new Object[] {(float) i, v == null ? null : VECTOR.serialize(v), (double) (i % 3)});
  }

  private static List<InternalRow> rows(int n) {
    List<InternalRow> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(row(i, vec(i)));
    }
    return rows;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void denseAndSparseVectorsAreWrittenRowMajorBesideNumbers(boolean unsafeRows) {
    List<InternalRow> rows = unsafeRows ? AllTypes.unsafe(SCHEMA, rows(30)) : rows(30);
    ShardConverter converter =
        ShardConverter.of(SCHEMA, List.of("x", "vec"), List.of("label"), WIDTH_4);
    try (Shard shard = converter.convert(rows.iterator(), allocator, "p0").next()) {
      assertEquals(converter.schema(), shard.schema());
      assertEquals(
          List.of(new BlockColumn("x", 0, 1), new BlockColumn("vec", 1, 4)),
          shard.featureColumns());
      float[] want = new float[30 * 5];
      for (int i = 0; i < 30; i++) {
        System.arraycopy(expected(i), 0, want, i * 5, 5);
        assertEquals(i % 3, shard.labels().get(i, 0));
      }
      assertArrayEquals(want, shard.features().toArray());
    }
  }

  @Test
  void aVectorLabelIsABlockToo() {
    StructType schema = new StructType().add("x", DataTypes.IntegerType).add("target", VECTOR);
    InternalRow r =
        new GenericInternalRow(
            new Object[] {5, VECTOR.serialize(Vectors.sparse(3, new int[] {2}, new double[] {7}))});
    try (Shard shard =
        ShardConverter.of(
                schema,
                List.of("x"),
                List.of("target"),
                ConversionOptions.defaults().withArrayWidth("target", 3))
            .convert(List.of(r).iterator(), allocator, "label")
            .next()) {
      assertArrayEquals(new float[] {0, 0, 7}, shard.labels().toArray());
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void vectorsOfAnotherSizeFailWhateverThePolicy(boolean sparse) {
    List<InternalRow> rows = rows(5);
    rows.set(
        3,
        row(
            3,
            sparse
                ? Vectors.sparse(5, new int[] {0}, new double[] {1})
                : Vectors.dense(1, 2, 3, 4, 5)));
    ShardConverter converter =
        ShardConverter.of(
            SCHEMA, List.of("vec"), List.of(), WIDTH_4.withNullPolicy(NullPolicy.DROP));
    for (List<InternalRow> input : List.of(rows, AllTypes.unsafe(SCHEMA, rows))) {
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class,
              () -> AllTypes.drain(converter.convert(input.iterator(), allocator, "partition 0")));
      assertTrue(
          e.getMessage()
                  .contains(
                      "feature vector column 'vec' holds a vector of size 5 where the vectors are"
                          + " 4 long")
              && e.getMessage().contains("row 4 of partition 0"),
          e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void nullVectorsAndNonFiniteValuesFollowTheNullPolicy(boolean unsafeRows) {
    List<InternalRow> rows = rows(8);
    rows.set(1, row(1, null));
    rows.set(2, row(2, Vectors.dense(1, Double.NaN, 3, 4)));
    rows.set(5, row(5, Vectors.sparse(4, new int[] {0, 2}, new double[] {1, -4e38})));
    rows.set(6, row(6, Vectors.dense(1, 2, 3, Double.POSITIVE_INFINITY)));
    List<InternalRow> input = unsafeRows ? AllTypes.unsafe(SCHEMA, rows) : rows;

    ShardConverter fail = ShardConverter.of(SCHEMA, List.of("x", "vec"), List.of(), WIDTH_4);
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> AllTypes.drain(fail.convert(input.iterator(), allocator, "partition 3")));
    assertTrue(
        e.getMessage()
            .contains(
                "feature vector column 'vec' has a null, NaN or infinite value in 4 of 8 rows of"
                    + " partition 3 (the first is null, in row 2)"),
        e.getMessage());

    ShardConverter drop =
        ShardConverter.of(
            SCHEMA, List.of("x", "vec"), List.of(), WIDTH_4.withNullPolicy(NullPolicy.DROP));
    try (Shard shard = drop.convert(input.iterator(), allocator, "drop").next()) {
      assertEquals(4, shard.rows());
      float[] x = new float[4];
      for (int i = 0; i < 4; i++) {
        x[i] = shard.features().get(i, 0);
      }
      assertArrayEquals(new float[] {0, 3, 4, 7}, x);
    }

    ShardConverter fill =
        ShardConverter.of(
            SCHEMA, List.of("x", "vec"), List.of(), WIDTH_4.withNullPolicy(NullPolicy.fill(-9)));
    try (Shard shard = fill.convert(input.iterator(), allocator, "fill").next()) {
      FloatBlock f = shard.features();
      assertArrayEquals(new float[] {1, -9, -9, -9, -9}, f.rows(1, 1).toArray());
      assertArrayEquals(new float[] {2, 1, -9, 3, 4}, f.rows(2, 1).toArray());
      // the sparse vector's zeros stay zeros; only its value beyond float range is filled
      assertArrayEquals(new float[] {5, 1, 0, -9, 0}, f.rows(5, 1).toArray());
      assertArrayEquals(new float[] {6, 1, 2, 3, -9}, f.rows(6, 1).toArray());
      assertArrayEquals(expected(7), f.rows(7, 1).toArray());
    }
  }

  @Test
  void theFirstBadValueOfASparseVectorIsNamedByItsIndexInTheVector() {
    List<InternalRow> rows = rows(3);
    rows.set(1, row(1, Vectors.sparse(4, new int[] {1, 3}, new double[] {1, Double.NaN})));
    ShardConverter converter = ShardConverter.of(SCHEMA, List.of("vec"), List.of(), WIDTH_4);
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> AllTypes.drain(converter.convert(rows.iterator(), allocator, "p")));
    assertTrue(e.getMessage().contains("(the first is NaN, in row 2 at index 3)"), e.getMessage());
  }

  @Test
  void aVectorColumnWithoutAKnownSizeOrKeptFailsBeforeAnyDataIsRead() {
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () ->
                ShardConverter.of(SCHEMA, List.of("vec"), List.of(), ConversionOptions.defaults()));
    assertTrue(
        e.getMessage().contains("ConversionOptions.withArrayWidth(\"vec\", n)"), e.getMessage());
    OrcaDataException kept =
        assertThrows(
            OrcaDataException.class,
            () ->
                ShardConverter.of(
                    SCHEMA, List.of("x"), List.of(), WIDTH_4.withKeepColumns(List.of("vec"))));
    assertTrue(
        kept.getMessage().contains("column 'vec' has type vector, which cannot be kept"),
        kept.getMessage());
  }
}

package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.vector.VarCharVector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Rows to shards without Spark running: Spark's internal rows, generic and unsafe, straight in. */
class ShardConverterTest extends AllocatorTest {
  private static final StructType NUMBERS =
      new StructType()
          .add("a", DataTypes.FloatType, true)
          .add("b", DataTypes.DoubleType, true)
          .add("v", DataTypes.createArrayType(DataTypes.FloatType, true), true)
          .add("label", DataTypes.IntegerType, false)
          .add("name", DataTypes.StringType, true);

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void featuresAreAssembledRowMajorInColumnOrderAndLabelsBeside(boolean unsafeRows) {
    List<InternalRow> rows = unsafeRows ? AllTypes.unsafeRows(0, 40) : AllTypes.internalRows(0, 40);
    ShardConverter converter =
        ShardConverter.of(
            AllTypes.SCHEMA,
            AllTypes.FEATURES,
            AllTypes.LABELS,
            ConversionOptions.defaults().withArrayWidth("emb", 3));
    try (Shard shard = converter.convert(rows.iterator(), allocator, "p0").next()) {
      assertEquals(converter.schema(), shard.schema(), "the schema planned is the schema made");
      FloatBlock features = shard.features();
      assertEquals(40, features.rows());
      assertEquals(4, features.width());
      assertEquals(
          List.of(new BlockColumn("x", 0, 1), new BlockColumn("emb", 1, 3)),
          shard.featureColumns());
      float[] expected = new float[40 * 4];
      for (int i = 0; i < 40; i++) {
        System.arraycopy(AllTypes.features(i), 0, expected, i * 4, 4);
      }
      assertArrayEquals(expected, features.toArray());
      // the direct view reads the same memory in native order
      assertEquals(expected[4 * 17 + 2], features.floatBuffer().get(4 * 17 + 2));
      assertEquals(features.address() + 17L * 4 * Float.BYTES, features.rows(17, 3).address());
      FloatBlock labels = shard.labels();
      assertEquals(1, labels.width());
      for (int i = 0; i < 40; i++) {
        assertEquals((float) AllTypes.y(i), labels.get(i, 0));
      }
      labels.checkClassIndices(3);
      OrcaDataException e =
          assertThrows(OrcaDataException.class, () -> labels.checkClassIndices(2));
      assertTrue(
          e.getMessage().contains("13 value(s)") && e.getMessage().contains("row 2"),
          e.getMessage());
    }
  }

  @Test
  void everyNumericTypeBecomesAFloat() {
    StructType schema =
        new StructType()
            .add("bool", DataTypes.BooleanType, false)
            .add("byte", DataTypes.ByteType, false)
            .add("short", DataTypes.ShortType, false)
            .add("int", DataTypes.IntegerType, false)
            .add("long", DataTypes.LongType, false)
            .add("double", DataTypes.DoubleType, false)
            .add("ints", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    InternalRow row =
        new GenericInternalRow(
            new Object[] {
              true,
              (byte) -3,
              (short) 300,
              70_000,
              5_000_000_000L,
              0.25,
              new GenericArrayData(new Object[] {1, -2})
            });
    for (List<InternalRow> rows : List.of(List.of(row), AllTypes.unsafe(schema, List.of(row)))) {
      ShardConverter converter =
          ShardConverter.of(
              schema,
              List.of(schema.fieldNames()),
              List.of(),
              ConversionOptions.defaults().withArrayWidth("ints", 2));
      try (Shard shard = converter.convert(rows.iterator(), allocator, "numbers").next()) {
        assertArrayEquals(
            new float[] {1, -3, 300, 70_000, 5e9f, 0.25f, 1, -2}, shard.features().toArray());
        assertFalse(shard.hasLabels());
      }
    }
  }

  @Test
  void aPartitionLargerThanABatchStreamsBatchByBatch() {
    ShardConverter converter =
        ShardConverter.of(
            AllTypes.SCHEMA,
            AllTypes.FEATURES,
            AllTypes.LABELS,
            ConversionOptions.defaults()
                .withArrayWidth("emb", 3)
                .withRowsPerBatch(1500)
                .keepAllColumns());
    Iterator<Shard> shards =
        converter.convert(AllTypes.unsafeRows(0, 3200).iterator(), allocator, "big");
    int row = 0;
    List<Integer> sizes = new ArrayList<>();
    while (shards.hasNext()) {
      try (Shard shard = shards.next()) {
        sizes.add(shard.rows());
        assertArrayEquals(AllTypes.features(row), shard.features().rows(0, 1).toArray());
        int last = row + shard.rows() - 1;
        assertArrayEquals(
            AllTypes.features(last), shard.features().rows(shard.rows() - 1, 1).toArray());
        VarCharVector strings = (VarCharVector) shard.root().getVector("string");
        assertEquals(
            AllTypes.row(last).getString(7),
            last % 4 == 3 ? null : strings.getObject(shard.rows() - 1).toString());
        row += shard.rows();
      }
      // nothing is read ahead: with the shard closed, no memory is held until the next is asked for
      assertEquals(0, allocator.getAllocatedMemory());
    }
    assertEquals(List.of(1500, 1500, 200), sizes);
  }

  @Test
  void anEmptyPartitionGivesNoShards() {
    ShardConverter converter =
        ShardConverter.of(NUMBERS, List.of("a"), List.of(), ConversionOptions.defaults());
    assertFalse(converter.convert(List.<InternalRow>of().iterator(), allocator, "empty").hasNext());
  }

  @Test
  void wideRowsGetFewerRowsPerBatch() {
    ShardConverter converter =
        ShardConverter.of(
            NUMBERS,
            List.of("a", "b", "v"),
            List.of(),
            ConversionOptions.defaults().withArrayWidth("v", 1000).withMaxBatchBytes(1 << 20));
    assertEquals((1 << 20) / (1002 * 4), converter.rowsPerBatch());
  }

  @Test
  void nullsAndNaNFailNamingEachColumnAndHowManyRows() {
    List<InternalRow> rows = numbers(10);
    rows.set(2, numberRow(2, null, 1.0, 3));
    rows.set(5, numberRow(5, Float.NaN, null, 3));
    rows.set(7, numberRow(7, 1f, null, 3));
    ShardConverter converter =
        ShardConverter.of(
            NUMBERS, List.of("a", "b"), List.of("label"), ConversionOptions.defaults());
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> AllTypes.drain(converter.convert(rows.iterator(), allocator, "partition 4")));
    assertTrue(
        e.getMessage()
            .contains(
                "feature column 'a' has a null, NaN or infinite value in 2 of 10 rows of partition"
                    + " 4 (the first is null, in row 3)"),
        e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                "feature column 'b' has a null, NaN or infinite value in 2 of 10 rows of partition"
                    + " 4 (the first is null, in row 6)"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("NullPolicy.DROP") && e.getMessage().contains("NullPolicy.fill"),
        e.getMessage());
  }

  /** A row of {@link #NUMBERS} with {@code v} = [1, {@code element}]. */
  private static InternalRow arrayRow(int i, float element) {
    return new GenericInternalRow(
        new Object[] {
          (float) i,
          (double) i,
          new GenericArrayData(new Object[] {1f, element}),
          i,
          UTF8String.fromString("r" + i)
        });
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void infinityAndDoublesBeyondFloatRangeFailLikeNaN(boolean unsafeRows) {
    List<InternalRow> rows = numbers(10);
    rows.set(1, numberRow(1, Float.NEGATIVE_INFINITY, 1.0, 3));
    rows.set(4, numberRow(4, 4f, -4e38, 3)); // a double beyond float range becomes -Infinity
    rows.set(6, arrayRow(6, Float.POSITIVE_INFINITY));
    rows.set(8, numberRow(8, Float.POSITIVE_INFINITY, 8.0, 3));
    List<InternalRow> input = unsafeRows ? AllTypes.unsafe(NUMBERS, rows) : rows;
    ShardConverter converter =
        ShardConverter.of(
            NUMBERS,
            List.of("a", "b", "v"),
            List.of("label"),
            ConversionOptions.defaults().withArrayWidth("v", 2));
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> AllTypes.drain(converter.convert(input.iterator(), allocator, "partition 2")));
    for (String part :
        List.of(
            "feature column 'a' has a null, NaN or infinite value in 2 of 10 rows of partition 2"
                + " (the first is -Infinity, in row 2)",
            "feature column 'b' has a null, NaN or infinite value in 1 of 10 rows of partition 2"
                + " (the first is -4.0E38, beyond float range, in row 5)",
            "feature array column 'v' has a null, NaN or infinite value in 1 of 10 rows of"
                + " partition 2 (the first is Infinity, in row 7 at index 1)")) {
      assertTrue(e.getMessage().contains(part), e.getMessage());
    }
    ConversionOptions fill =
        ConversionOptions.defaults().withArrayWidth("v", 2).withNullPolicy(NullPolicy.fill(-9));
    try (Shard shard =
        ShardConverter.of(NUMBERS, List.of("a", "b", "v"), List.of("label"), fill)
            .convert(input.iterator(), allocator, "fill")
            .next()) {
      FloatBlock f = shard.features();
      assertEquals(-9f, f.get(1, 0));
      assertEquals(-9f, f.get(4, 1));
      assertEquals(-9f, f.get(6, 3));
      assertEquals(-9f, f.get(8, 0));
      assertEquals(5f, f.get(5, 0), "the other values are as they were");
    }
  }

  @Test
  void dropLeavesOutRowsWithANullOrNaNAlongWithTheirKeptValues() {
    List<InternalRow> rows = numbers(6);
    rows.set(1, numberRow(1, Float.NaN, 1.0, 3));
    rows.set(4, numberRow(4, 4f, 4.0, -1)); // a null inside the array
    ShardConverter converter =
        ShardConverter.of(
            NUMBERS,
            List.of("a", "v"),
            List.of(),
            ConversionOptions.defaults()
                .withArrayWidth("v", 2)
                .withNullPolicy(NullPolicy.DROP)
                .withKeepColumns(List.of("name")));
    for (List<InternalRow> input : List.of(rows, AllTypes.unsafe(NUMBERS, rows))) {
      try (Shard shard = converter.convert(input.iterator(), allocator, "drop").next()) {
        assertEquals(4, shard.rows());
        VarCharVector names = (VarCharVector) shard.root().getVector("name");
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          kept.add(names.getObject(i).toString());
          assertEquals(Float.parseFloat(kept.get(i).substring(1)), shard.features().get(i, 0));
        }
        assertEquals(List.of("r0", "r2", "r3", "r5"), kept);
      }
    }
  }

  @Test
  void fillPutsTheValueInPlaceOfEachNullOrNaN() {
    List<InternalRow> rows = numbers(3);
    rows.set(1, numberRow(1, null, Double.NaN, -1));
    rows.set(2, new GenericInternalRow(new Object[] {2f, 2.0, null, 2, null}));
    ShardConverter converter =
        ShardConverter.of(
            NUMBERS,
            List.of("a", "b", "v"),
            List.of(),
            ConversionOptions.defaults()
                .withArrayWidth("v", 2)
                .withNullPolicy(NullPolicy.fill(-9)));
    try (Shard shard = converter.convert(rows.iterator(), allocator, "fill").next()) {
      assertArrayEquals(
          new float[] {0, 0, 1, 1, -9, -9, 1, -9, 2, 2, -9, -9}, shard.features().toArray());
    }
  }

  @Test
  void arraysOfAnotherLengthFailWhateverThePolicy() {
    List<InternalRow> rows = numbers(5);
    rows.set(
        3,
        new GenericInternalRow(
            new Object[] {
              3f,
              3.0,
              new GenericArrayData(new Object[] {1f, 2f, 3f}),
              3,
              UTF8String.fromString("r3")
            }));
    ShardConverter converter =
        ShardConverter.of(
            NUMBERS,
            List.of("v"),
            List.of(),
            ConversionOptions.defaults().withArrayWidth("v", 2).withNullPolicy(NullPolicy.DROP));
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> AllTypes.drain(converter.convert(rows.iterator(), allocator, "partition 0")));
    assertTrue(
        e.getMessage()
                .contains(
                    "feature array column 'v' holds an array of length 3 where the arrays are 2 long")
            && e.getMessage().contains("row 4 of partition 0"),
        e.getMessage());
  }

  @Test
  void aBadColumnChoiceFailsBeforeAnyDataIsRead() {
    ConversionOptions options = ConversionOptions.defaults().withArrayWidth("v", 2);
    assertMessage(
        () -> ShardConverter.of(NUMBERS, List.of("a", "c"), List.of(), options),
        "feature column 'c' is not in the data; its columns are [a, b, v, label, name]");
    assertMessage(
        () -> ShardConverter.of(NUMBERS, List.of("a"), List.of("lbl"), options),
        "label column 'lbl' is not in the data");
    assertMessage(
        () -> ShardConverter.of(NUMBERS, List.of("a", "name"), List.of(), options),
        "feature column 'name' has type string");
    assertMessage(
        () -> ShardConverter.of(NUMBERS, List.of("a"), List.of("a"), options),
        "column 'a' is named both as a feature and as a label");
    assertMessage(
        () -> ShardConverter.of(NUMBERS, List.of(), List.of("label"), options),
        "no feature columns");
    assertMessage(
        () -> ShardConverter.of(NUMBERS, List.of("v"), List.of(), ConversionOptions.defaults()),
        "ConversionOptions.withArrayWidth(\"v\", n)");
    StructType withMap =
        NUMBERS.add("m", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType));
    assertMessage(
        () -> ShardConverter.of(withMap, List.of("a"), List.of(), options.keepAllColumns()),
        "column 'm' has type map<string,int>, which cannot be kept");
    assertMessage(
        () ->
            ShardConverter.of(
                NUMBERS,
                List.of("a"),
                List.of("label"),
                options.withKeepColumns(List.of("name")).withBlockNames("features", "name")),
        "rename the column or the blocks");
  }

  @Test
  void keepingEveryColumnNamesABlockThatAnInputColumnHasWithUnderscoresInFront() {
    // Spark ML's default names: the assembled features in "features", the target in "label"
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("Label", DataTypes.FloatType, false)
            .add("_label", DataTypes.FloatType, false);
    ConversionOptions keepAll =
        ConversionOptions.defaults().withArrayWidth("features", 2).keepAllColumns();
    assertEquals(
        List.of("_features", "__label", "id", "features", "Label", "_label"),
        ShardConverter.of(schema, List.of("features"), List.of("Label"), keepAll)
            .schema()
            .getFields()
            .stream()
            .map(f -> f.getName())
            .toList());
    InternalRow row =
        new GenericInternalRow(
            new Object[] {7, new GenericArrayData(new Object[] {0.5f, -1f}), 1f, 0f});
    try (Shard shard =
        ShardConverter.of(schema, List.of("features"), List.of(), keepAll)
            .convert(List.of(row).iterator(), allocator, "predict")
            .next()) {
      assertEquals(List.of("_features", "id", "features", "Label", "_label"), shard.columnNames());
      assertArrayEquals(new float[] {0.5f, -1f}, shard.features().toArray());
    }
    // columns chosen one by one still must not share a block's name
    assertMessage(
        () ->
            ShardConverter.of(
                schema,
                List.of("features"),
                List.of(),
                ConversionOptions.defaults()
                    .withArrayWidth("features", 2)
                    .withKeepColumns(List.of("id", "features"))),
        "column 'features' is kept, but a block has that name too");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
    OrcaDataException e = assertThrows(OrcaDataException.class, call);
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  private static List<InternalRow> numbers(int n) {
    List<InternalRow> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(numberRow(i, (float) i, (double) i, i));
    }
    return rows;
  }

  /** A row of {@link #NUMBERS}; {@code v} is [1, 1] or, for a negative {@code vNull}, [1, null]. */
  private static InternalRow numberRow(int i, Float a, Double b, int vNull) {
    Object[] v = vNull < 0 ? new Object[] {1f, null} : new Object[] {1f, 1f};
    return new GenericInternalRow(
        new Object[] {a, b, new GenericArrayData(v), i, UTF8String.fromString("r" + i)});
  }
}

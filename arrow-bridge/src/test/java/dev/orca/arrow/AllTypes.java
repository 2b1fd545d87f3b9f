package dev.orca.arrow;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

/**
 * Rows with every type Orca converts, with nulls in every nullable column (every fourth row), as
 * Spark rows and as Spark's internal rows (generic or unsafe). Features: {@code x} and the
 * three-long array {@code emb}; label: {@code y}.
 */
final class AllTypes {
  static final StructType SCHEMA =
      new StructType()
          .add("bool", DataTypes.BooleanType, true)
          .add("byte", DataTypes.ByteType, true)
          .add("short", DataTypes.ShortType, true)
          .add("int", DataTypes.IntegerType, true)
          .add("long", DataTypes.LongType, true)
          .add("float", DataTypes.FloatType, true)
          .add("double", DataTypes.DoubleType, true)
          .add("string", DataTypes.StringType, true)
          .add("binary", DataTypes.BinaryType, true)
          .add("date", DataTypes.DateType, true)
          .add("ts", DataTypes.TimestampType, true)
          .add("ntz", DataTypes.TimestampNTZType, true)
          .add("doubles", DataTypes.createArrayType(DataTypes.DoubleType, true), true)
          .add("x", DataTypes.FloatType, false)
          .add("emb", DataTypes.createArrayType(DataTypes.FloatType, false), false)
          .add("y", DataTypes.DoubleType, false);
  static final List<String> FEATURES = List.of("x", "emb");
  static final List<String> LABELS = List.of("y");

  private AllTypes() {}

  static Row row(int i) {
    if (i % 4 == 3) {
      return RowFactory.create(
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          x(i),
          seq(emb(i)),
          y(i));
    }
    List<Double> doubles = new ArrayList<>();
    for (int j = 0; j < i % 5; j++) {
      doubles.add(j == 1 ? null : i + j / 10.0); // varying lengths, an inner null
    }
    return RowFactory.create(
        i % 2 == 0,
        (byte) (i % 100 - 50),
        (short) (i * 7 - 300),
        i * 1000 - 7,
        (long) i * 10_000_000_000L,
        i / 3f,
        i / 7.0,
        "row " + i + (i % 3 == 0 ? " é€" : ""),
        new byte[] {(byte) i, 0, (byte) -i},
        Date.valueOf(LocalDate.of(2020, 1, 1).plusDays(i)),
        Timestamp.valueOf(
            LocalDateTime.of(2021, 3, 4, 5, 6, 7).plusSeconds(i * 3601L).plusNanos(123_000L * i)),
        LocalDateTime.of(2022, 12, 31, 23, 59).plusMinutes(i),
        seq(doubles),
        x(i),
        seq(emb(i)),
        y(i));
  }

  /** Spark's encoders take arrays as Scala sequences. */
  private static scala.collection.immutable.Seq<Object> seq(List<?> list) {
    return scala.jdk.javaapi.CollectionConverters.asScala(new ArrayList<Object>(list)).toList();
  }

  /** {@code row} with another {@code x}. */
  static Row withX(Row row, float x) {
    Object[] values = new Object[row.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(i);
    }
    values[SCHEMA.fieldIndex("x")] = x;
    return RowFactory.create(values);
  }

  static float x(int i) {
    return i * 0.5f;
  }

  static List<Float> emb(int i) {
    return Arrays.asList((float) i, -i / 2f, 1f / (i + 1));
  }

  static double y(int i) {
    return i % 3;
  }

  /** The feature row of row {@code i}: x, then emb. */
  static float[] features(int i) {
    List<Float> e = emb(i);
    return new float[] {x(i), e.get(0), e.get(1), e.get(2)};
  }

  static List<Row> rows(int from, int to) {
    List<Row> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(row(i));
    }
    return out;
  }

  /** Spark's generic internal rows of {@link #rows}. */
  static List<InternalRow> internalRows(int from, int to) {
    Function1<Object, Object> toCatalyst = CatalystTypeConverters.createToCatalystConverter(SCHEMA);
    List<InternalRow> out = new ArrayList<>();
    for (Row r : rows(from, to)) {
      out.add((InternalRow) toCatalyst.apply(r));
    }
    return out;
  }

  /** Spark's unsafe rows of {@link #rows}, as a plan produces them. */
  static List<InternalRow> unsafeRows(int from, int to) {
    return unsafe(SCHEMA, internalRows(from, to));
  }

  static List<InternalRow> unsafe(StructType schema, List<InternalRow> rows) {
    UnsafeProjection projection = UnsafeProjection.create(schema);
    List<InternalRow> out = new ArrayList<>();
    for (InternalRow r : rows) {
      out.add(projection.apply(r).copy());
    }
    return out;
  }

  /** Same schema and the same values in every column (Arrow's own comparison). */
  static void assertSameBatch(
      org.apache.arrow.vector.VectorSchemaRoot expected,
      org.apache.arrow.vector.VectorSchemaRoot actual) {
    org.junit.jupiter.api.Assertions.assertEquals(expected.getSchema(), actual.getSchema());
    org.junit.jupiter.api.Assertions.assertTrue(
        expected.equals(actual),
        () ->
            "expected\n"
                + expected.contentToTSVString()
                + "\nbut was\n"
                + actual.contentToTSVString());
  }

  static List<Shard> drain(Iterator<Shard> shards) {
    List<Shard> out = new ArrayList<>();
    shards.forEachRemaining(out::add);
    return out;
  }
}

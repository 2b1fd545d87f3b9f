package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.apache.arrow.vector.Float4Vector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ShardTest extends AllocatorTest {

  private Shard shard(int rows) {
    ShardConverter converter =
        ShardConverter.of(
            AllTypes.SCHEMA,
            AllTypes.FEATURES,
            AllTypes.LABELS,
            ConversionOptions.defaults().withArrayWidth("emb", 3).keepAllColumns());
    return converter
        .convert(AllTypes.unsafeRows(0, rows).iterator(), allocator, "shard test")
        .next();
  }

  @Test
  void theMemoryGoesWithTheLastHandle() {
    Shard first = shard(10);
    long held = allocator.getAllocatedMemory();
    assertTrue(held > 10 * 4 * Float.BYTES, "holds at least the features: " + held);
    Shard second = first.retain();
    first.close();
    first.close(); // idempotent
    assertEquals(held, allocator.getAllocatedMemory());
    assertEquals(AllTypes.x(9), second.features().get(9, 0));
    second.close();
    assertEquals(0, allocator.getAllocatedMemory());
    IllegalStateException e = assertThrows(IllegalStateException.class, second::rows);
    assertTrue(e.getMessage().contains("is closed"), e.getMessage());
    assertThrows(IllegalStateException.class, first::retain);
  }

  @Test
  void anAppendedColumnSharesTheRestAndKeepsItAlive() {
    Shard source = shard(6);
    long before = allocator.getAllocatedMemory();
    Shard withPrediction;
    try (Shard s = source) {
      withPrediction =
          s.withColumn(
              "prediction",
              2,
              block -> {
                for (int r = 0; r < block.rows(); r++) {
                  block.set(r, 0, r);
                  block.set(r, 1, -r);
                }
              });
    }
    try (Shard p = withPrediction) {
      // the source's data stayed: only its handle closed
      assertTrue(allocator.getAllocatedMemory() >= before);
      assertEquals(AllTypes.x(5), p.features().get(5, 0));
      assertArrayEquals(
          new float[] {0, 0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5}, p.block("prediction").toArray());
      assertEquals("prediction", p.columnNames().get(p.columnNames().size() - 1));
      OrcaDataException clash =
          assertThrows(OrcaDataException.class, () -> p.withColumn("x", new float[6], 1));
      assertTrue(clash.getMessage().contains("already has a column 'x'"), clash.getMessage());
      OrcaDataException size =
          assertThrows(OrcaDataException.class, () -> p.withColumn("z", new float[5], 1));
      assertTrue(size.getMessage().contains("needs 6 x 1 = 6 values"), size.getMessage());
    }
  }

  @Test
  void columnsOfTwoShardsWithTheSameRowsGoSideBySide() {
    StructType schema = new StructType().add("w", DataTypes.FloatType, false);
    List<InternalRow> rows = List.of(row(10f), row(20f), row(30f), row(40f));
    ShardConverter converter =
        ShardConverter.of(
            schema,
            List.of("w"),
            List.of(),
            ConversionOptions.defaults()
                .withBlockNames("wblock", "unused")
                .withKeepColumns(List.of("w")));
    Shard zipped;
    try (Shard a = shard(4);
        Shard other = converter.convert(rows.iterator(), allocator, "w").next()) {
      zipped = a.withColumnsOf(other);
      OrcaDataException clash = assertThrows(OrcaDataException.class, () -> a.withColumnsOf(a));
      assertTrue(
          clash.getMessage().contains("already has a column 'features'"), clash.getMessage());
      try (Shard three =
          converter.convert(rows.subList(0, 3).iterator(), allocator, "three").next()) {
        OrcaDataException rowCount =
            assertThrows(OrcaDataException.class, () -> a.withColumnsOf(three));
        assertTrue(rowCount.getMessage().contains("the row counts differ"), rowCount.getMessage());
      }
    }
    try (Shard z = zipped) {
      // both sources' handles are closed; the zipped shard keeps their memory alive
      assertEquals(4, z.rows());
      assertEquals(AllTypes.x(3), z.features().get(3, 0));
      assertArrayEquals(new float[] {10, 20, 30, 40}, z.block("wblock").toArray());
      assertEquals(30f, ((Float4Vector) z.root().getVector("w")).get(2));
    }
  }

  private static InternalRow row(float w) {
    return new GenericInternalRow(new Object[] {w});
  }

  @Test
  void selectedRowsAreCopiesInTheGivenOrder() {
    try (Shard s = shard(8);
        Shard picked = s.selectRows(new int[] {6, 1, 3})) {
      assertEquals(3, picked.rows());
      assertArrayEquals(AllTypes.features(6), picked.features().rows(0, 1).toArray());
      assertArrayEquals(AllTypes.features(1), picked.features().rows(1, 1).toArray());
      assertEquals("row 6 é€", picked.root().getVector("string").getObject(0).toString());
      assertNotEquals(s.features().address(), picked.features().address());
      assertEquals(s.schema(), picked.schema());
    }
  }

  @Test
  void javaSerializationCarriesTheShardAsArrowIpc() throws Exception {
    try (Shard s = shard(5)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(List.of(s));
      }
      try (ObjectInputStream in =
          new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        @SuppressWarnings("unchecked")
        List<Shard> back = (List<Shard>) in.readObject();
        try (Shard copy = back.get(0)) {
          AllTypes.assertSameBatch(s.root(), copy.root());
          assertEquals(
              ArrowMemory.root(),
              copy.root().getFieldVectors().get(0).getAllocator().getParentAllocator());
        }
      }
    }
  }
}

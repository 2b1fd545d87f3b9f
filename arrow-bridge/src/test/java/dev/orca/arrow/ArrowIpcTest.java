package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ArrowIpcTest extends AllocatorTest {

  /** Shards of every type, with nulls, of {@code rowsPerBatch} rows each. */
  private List<Shard> shards(int rows, int rowsPerBatch) {
    ShardConverter converter =
        ShardConverter.of(
            AllTypes.SCHEMA,
            AllTypes.FEATURES,
            AllTypes.LABELS,
            ConversionOptions.defaults()
                .withArrayWidth("emb", 3)
                .withRowsPerBatch(rowsPerBatch)
                .keepAllColumns());
    return AllTypes.drain(
        converter.convert(AllTypes.unsafeRows(0, rows).iterator(), allocator, "ipc test"));
  }

  @ParameterizedTest
  @EnumSource(IpcCompression.class)
  void aShardReadBackFromBytesEqualsTheOriginal(IpcCompression compression) {
    List<Shard> shards = shards(300, 1000);
    try (Shard original = shards.get(0)) {
      byte[] bytes = ArrowIpc.toBytes(original, compression);
      try (Shard back = ArrowIpc.fromBytes(bytes, allocator)) {
        assertEquals(original.schema(), back.schema());
        AllTypes.assertSameBatch(original.root(), back.root());
        assertEquals(original.features().byteSize(), back.features().byteSize());
      }
    }
  }

  @Test
  void uncompressedBytesAreExactlySizedAndCompressionShrinksRepetitiveData() {
    try (Shard s = shards(2000, 5000).get(0)) {
      byte[] plain = ArrowIpc.toBytes(s);
      byte[] lz4 = ArrowIpc.toBytes(s, IpcCompression.LZ4_FRAME);
      byte[] zstd = ArrowIpc.toBytes(s, IpcCompression.ZSTD);
      assertTrue(plain.length > s.features().byteSize(), "holds at least the features");
      // the strings, dates and labels repeat a lot: both codecs shrink them
      assertTrue(lz4.length < plain.length * 0.8, lz4.length + " vs " + plain.length);
      assertTrue(zstd.length < lz4.length, zstd.length + " vs " + lz4.length);
      try (Shard back = ArrowIpc.fromBytes(plain, allocator)) {
        assertEquals(plain.length, ArrowIpc.toBytes(back).length);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(IpcCompression.class)
  void shardsWrittenToAFileReadBackBatchByBatch(IpcCompression compression, @TempDir Path dir) {
    List<Shard> shards = shards(250, 100);
    assertEquals(3, shards.size());
    Path file = dir.resolve("part.arrow");
    try {
      ArrowIpc.write(file, shards, compression);
      try (ShardReader reader = ArrowIpc.read(file, allocator)) {
        for (Shard original : shards) {
          assertTrue(reader.hasNext());
          try (Shard back = reader.next()) {
            AllTypes.assertSameBatch(original.root(), back.root());
            assertTrue(back.name().contains("part.arrow batch"), back.name());
          }
        }
        assertTrue(!reader.hasNext());
      }
    } finally {
      Shard.closeAll(shards);
    }
  }

  @Test
  void theSameShardFromBytesAndFromAFileEqualsTheOriginal(@TempDir Path dir) {
    try (Shard original = shards(64, 100).get(0)) {
      Path file = dir.resolve("one.arrow");
      ArrowIpc.write(file, List.of(original), IpcCompression.LZ4_FRAME);
      ShardList fromFile = ArrowIpc.readAll(file, allocator);
      try (Shard fromBytes = ArrowIpc.fromBytes(ArrowIpc.toBytes(original), allocator)) {
        assertEquals(1, fromFile.size());
        AllTypes.assertSameBatch(original.root(), fromFile.get(0).root());
        AllTypes.assertSameBatch(original.root(), fromBytes.root());
      } finally {
        Shard.closeAll(fromFile);
      }
    }
  }

  @Test
  void bytesThatAreNotArrowFailClearlyAndHoldNoMemory() throws Exception {
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> ArrowIpc.fromBytes("not arrow at all".getBytes(), allocator));
    assertTrue(
        e.getMessage().contains("cannot read 16 bytes as an Arrow IPC stream"), e.getMessage());
    byte[] cut;
    try (Shard s = shards(10, 100).get(0)) {
      byte[] whole = ArrowIpc.toBytes(s);
      cut = java.util.Arrays.copyOf(whole, whole.length / 2);
    }
    assertThrows(OrcaDataException.class, () -> ArrowIpc.fromBytes(cut, allocator));
    Path notAFile = Files.createTempFile("orca", ".arrow");
    try {
      Files.writeString(notAFile, "nope");
      OrcaDataException f =
          assertThrows(OrcaDataException.class, () -> ArrowIpc.readAll(notAFile, allocator));
      assertTrue(f.getMessage().contains(notAFile.getFileName().toString()), f.getMessage());
    } finally {
      Files.delete(notAFile);
    }
  }
}

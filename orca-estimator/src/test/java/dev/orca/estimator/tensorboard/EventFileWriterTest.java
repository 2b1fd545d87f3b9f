package dev.orca.estimator.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.estimator.tensorboard.proto.Event;
import dev.orca.estimator.tensorboard.proto.HistogramProto;
import dev.orca.estimator.tensorboard.proto.Summary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventFileWriterTest {
  @TempDir Path dir;

  /** The CRC-32C check value of the format's specification (RFC 3720, "123456789"), masked. */
  @Test
  void maskedCrcIsTheFormatsMaskOfCrc32c() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    int crc = 0xE3069283;
    assertEquals(((crc >>> 15) | (crc << 17)) + 0xa282ead8, TfRecord.maskedCrc32c(check, 0, 9));
    assertEquals(jdkMasked(check, 0, 9), TfRecord.maskedCrc32c(check, 0, 9));
  }

  @Test
  void scalarsAndHistogramsReadBackWithEveryCrcChecked() throws Exception {
    long[] clock = {1_700_000_000_123L};
    String file;
    try (EventFileWriter w = EventFileWriter.create(dir.toString(), () -> clock[0])) {
      file = w.file();
      w.scalar("epoch/loss", 1, 0.75);
      clock[0] += 2500;
      w.scalar("epoch/accuracy", 1, 0.5);
      w.histogram("weights/dense", 1, Histograms.of(new float[] {-1, 0, 0.5f, 1, 1}));
      w.scalar("epoch/loss", 2, 0.25);
    }
    Path path = Path.of(file.replace("file:", ""));
    assertTrue(path.getFileName().toString().startsWith("events.out.tfevents.1700000000."));
    try (var files = Files.list(dir)) {
      assertEquals(List.of(path), files.toList(), "one file, no .crc beside it");
    }

    // every record's framing checked here with the JDK's CRC32C, independently of the writer
    List<byte[]> records = frames(Files.readAllBytes(path));
    assertEquals(5, records.size());
    List<Event> events = EventFiles.read(path);
    for (int i = 0; i < records.size(); i++) {
      assertEquals(Event.parseFrom(records.get(i)), events.get(i));
    }

    assertEquals(EventFileWriter.FILE_VERSION, events.get(0).getFileVersion());
    assertEquals(1_700_000_000.123, events.get(0).getWallTime(), 1e-6);
    assertScalar(events.get(1), "epoch/loss", 1, 0.75f);
    assertScalar(events.get(2), "epoch/accuracy", 1, 0.5f);
    assertEquals(1_700_000_002.623, events.get(2).getWallTime(), 1e-6);
    assertScalar(events.get(4), "epoch/loss", 2, 0.25f);

    Summary.Value h = events.get(3).getSummary().getValue(0);
    assertEquals("weights/dense", h.getTag());
    HistogramProto histo = h.getHisto();
    assertEquals(-1, histo.getMin());
    assertEquals(1, histo.getMax());
    assertEquals(5, histo.getNum());
    assertEquals(1.5, histo.getSum(), 1e-12);
    assertEquals(3.25, histo.getSumSquares(), 1e-12);
    assertEquals(30, histo.getBucketCount());
    assertEquals(1.0, histo.getBucketLimit(29));
    double total = 0;
    for (double c : histo.getBucketList()) {
      total += c;
    }
    assertEquals(5, total);
    assertEquals(1, histo.getBucket(0)); // -1
    assertEquals(2, histo.getBucket(29)); // 1, 1
  }

  @Test
  void aChangedByteIsFoundByItsCrcAndNamesTheRecord() throws Exception {
    String file;
    try (EventFileWriter w = EventFileWriter.create(dir.toString())) {
      file = w.file();
      w.scalar("loss", 1, 1.0);
      w.scalar("loss", 2, 2.0);
    }
    Path path = Path.of(file.replace("file:", ""));
    byte[] bytes = Files.readAllBytes(path);
    List<byte[]> records = frames(bytes);
    int third = bytes.length - (records.get(2).length + TfRecord.OVERHEAD);
    bytes[third + 12 + 3] ^= 0x10; // inside the data of record 2
    Files.write(path, bytes);
    OrcaDataException e = assertThrows(OrcaDataException.class, () -> EventFiles.read(path));
    assertTrue(e.getMessage().contains("record 2 is damaged (the CRC of its data"), e.getMessage());
  }

  @Test
  void aRecordCutShortAtTheEndIsLeftForLater() throws Exception {
    String file;
    try (EventFileWriter w = EventFileWriter.create(dir.toString())) {
      file = w.file();
      w.scalar("loss", 1, 1.0);
    }
    Path path = Path.of(file.replace("file:", ""));
    byte[] whole = Files.readAllBytes(path);
    Files.write(path, java.util.Arrays.copyOf(whole, whole.length - 3));
    assertEquals(1, EventFiles.read(path).size());
  }

  @Test
  void histogramOfEqualValuesIsOneBucket() {
    HistogramProto h = Histograms.of(new float[] {2, 2, 2});
    assertArrayEquals(
        new double[] {2}, h.getBucketLimitList().stream().mapToDouble(d -> d).toArray());
    assertArrayEquals(new double[] {3}, h.getBucketList().stream().mapToDouble(d -> d).toArray());
  }

  private static void assertScalar(Event e, String tag, long step, float value) {
    assertEquals(step, e.getStep());
    assertEquals(1, e.getSummary().getValueCount());
    assertEquals(tag, e.getSummary().getValue(0).getTag());
    assertEquals(value, e.getSummary().getValue(0).getSimpleValue());
  }

  /** The records of a file, each length and data CRC checked with the JDK's CRC32C. */
  private static List<byte[]> frames(byte[] file) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> out = new ArrayList<>();
    while (b.hasRemaining()) {
      int start = b.position();
      long length = b.getLong();
      assertEquals(jdkMasked(file, start, 8), b.getInt(), "length CRC of record " + out.size());
      byte[] data = new byte[(int) length];
      b.get(data);
      assertEquals(jdkMasked(data, 0, data.length), b.getInt(), "data CRC of record " + out.size());
      out.add(data);
    }
    return out;
  }

  private static int jdkMasked(byte[] data, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(data, offset, length);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + 0xa282ead8;
  }
}

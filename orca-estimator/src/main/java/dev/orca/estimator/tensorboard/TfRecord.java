package dev.orca.estimator.tensorboard;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.orca.OrcaDataException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The TFRecord framing of TensorBoard's event files: each record is its length (uint64), the masked
 * CRC32C of those 8 bytes (uint32), the data, and the masked CRC32C of the data (uint32), all
 * little-endian. The mask, {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}, is the format's: it
 * keeps a CRC of data that holds CRCs from looking like one.
 */
public final class TfRecord {
  private static final HashFunction CRC32C = Hashing.crc32c();
  private static final int MASK_DELTA = 0xa282ead8;

  /** A record's bytes around its data: length, its CRC, and the data's CRC. */
  public static final int OVERHEAD = 8 + 4 + 4;

  private TfRecord() {}

  /** The masked CRC32C of {@code data[offset, offset + length)}. */
  public static int maskedCrc32c(byte[] data, int offset, int length) {
    int crc = CRC32C.hashBytes(data, offset, length).asInt();
    return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
  }

  /** {@code data} framed as one record. */
  public static byte[] frame(byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(OVERHEAD + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(data.length);
    b.putInt(maskedCrc32c(b.array(), 0, 8));
    b.put(data);
    b.putInt(maskedCrc32c(data, 0, data.length));
    return b.array();
  }

  /** Writes {@code data} as one record. */
  public static void write(OutputStream out, byte[] data) throws IOException {
    out.write(frame(data));
  }

  /**
   * Every record of {@code in}, each CRC checked; {@code what} names the stream in errors. A record
   * cut short at the end (a writer still writing) ends the list, as TensorBoard's reader waits for
   * the rest; a wrong CRC or length is an {@link OrcaDataException} naming the record.
   */
  public static List<byte[]> readAll(InputStream in, String what) throws IOException {
    List<byte[]> records = new ArrayList<>();
    byte[] header = new byte[12];
    while (true) {
      int got = in.readNBytes(header, 0, header.length);
      if (got < header.length) {
        return records; // the end, or a header still being written
      }
      ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
      long length = h.getLong();
      int lengthCrc = h.getInt();
      if (lengthCrc != maskedCrc32c(header, 0, 8)) {
        throw damaged(what, records.size(), "the CRC of its length");
      }
      if (length < 0 || length > Integer.MAX_VALUE - 8) {
        throw damaged(what, records.size(), "its length " + Long.toUnsignedString(length));
      }
      byte[] data = new byte[(int) length];
      byte[] crc = new byte[4];
      try {
        readFully(in, data);
        readFully(in, crc);
      } catch (EOFException e) {
        return records; // the last record is still being written
      }
      int dataCrc = ByteBuffer.wrap(crc).order(ByteOrder.LITTLE_ENDIAN).getInt();
      if (dataCrc != maskedCrc32c(data, 0, data.length)) {
        throw damaged(what, records.size(), "the CRC of its data");
      }
      records.add(data);
    }
  }

  private static void readFully(InputStream in, byte[] into) throws IOException {
    if (in.readNBytes(into, 0, into.length) < into.length) {
      throw new EOFException();
    }
  }

  private static OrcaDataException damaged(String what, int index, String part) {
    return new OrcaDataException(
        what
            + ": record "
            + index
            + " is damaged ("
            + part
            + " does not match); the file was changed or cut after it was written");
  }
}

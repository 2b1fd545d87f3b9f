package dev.orca.nn;

import dev.orca.OrcaDataException;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Adam;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Run by {@link ModelFileFuzzTest} in a JVM with a small heap: loads a small model file with every
 * single bit flipped, once as damaged (checksum as written) and once as forged (checksum made to
 * match), and prints one line per unexpected outcome and a summary line per kind.
 */
public final class ModelFileFuzzMain {
  /** Sections the reader interprets; PARM, STAT and SLOT are plain floats. */
  private static final Set<String> FLOATS = Set.of("PARM", "STAT", "SLOT");

  private final Engine engine = Engine.of(Engine.Backend.JAVA, 1);
  private int dataErrors;
  private int loaded;
  private int other;

  private ModelFileFuzzMain() {}

  public static void main(String[] args) {
    byte[] file = smallModelFile();
    System.out.println("file " + file.length + " bytes");
    boolean[] interpreted = interpretedBytes(file);

    ModelFileFuzzMain damaged = new ModelFileFuzzMain();
    for (int bit = 0; bit < 8 * file.length; bit++) {
      damaged.load(flip(file, bit), "damaged bit " + bit);
    }
    damaged.print("damaged");

    ModelFileFuzzMain forged = new ModelFileFuzzMain();
    for (int bit = 0; bit < 8 * file.length; bit++) {
      if (interpreted[bit / 8]) {
        forged.load(withMatchingChecksum(flip(file, bit)), "forged bit " + bit);
      }
    }
    forged.print("forged");

    ModelFileFuzzMain claim = new ModelFileFuzzMain();
    claim.load(claimingTwoGiB(), "24-byte file");
    claim.print("claim");
  }

  /** Dense, BatchNorm and Adam: every section kind (META, ARCH, PARM, STAT, TRCF, OPTS, SLOT). */
  static byte[] smallModelFile() {
    try (Model m =
            new Sequential(3)
                .add(new Dense(2))
                .add(new BatchNorm())
                .optSeed(5)
                .optEngine(Engine.of(Engine.Backend.JAVA, 1))
                .build()
                .compile(new Adam(0.01), Loss.meanSquaredError());
        Tensor x = Tensor.of(new float[] {1, 2, 3, -1, 0, 2}, 2, 3);
        Tensor y = Tensor.of(new float[] {1, 0, 0, 1}, 2, 2)) {
      m.trainStep(x, y);
      return m.toBytes();
    }
  }

  /** Magic, version, one section header claiming 2^31 - 17 bytes, and nothing after it. */
  static byte[] claimingTwoGiB() {
    return ByteBuffer.allocate(24)
        .put("ORCA-NN\n".getBytes(StandardCharsets.US_ASCII))
        .putInt(1)
        .put("PARM".getBytes(StandardCharsets.US_ASCII))
        .putLong(Integer.MAX_VALUE - 16)
        .array();
  }

  private void load(byte[] bytes, String what) {
    try {
      Model.fromBytes(bytes, engine).close();
      loaded++;
    } catch (OrcaDataException e) {
      String m = e.getMessage();
      if (m.startsWith("the model file") || m.startsWith("not an Orca model file")) {
        dataErrors++;
      } else {
        other++;
        System.out.println("unexpected " + what + ": a message that does not name the file: " + m);
      }
    } catch (Throwable t) { // OutOfMemoryError included: that is what this program looks for
      other++;
      System.out.println("unexpected " + what + ": " + t);
    }
  }

  private void print(String kind) {
    System.out.println(
        kind + " " + (dataErrors + loaded + other) + " " + dataErrors + " " + loaded + " " + other);
  }

  private static byte[] flip(byte[] file, int bit) {
    byte[] b = file.clone();
    b[bit / 8] ^= (byte) (1 << (bit % 8));
    return b;
  }

  /** The CRC-32 of everything before the end section, written into it. */
  private static byte[] withMatchingChecksum(byte[] b) {
    int end = b.length - 20;
    CRC32 crc = new CRC32();
    crc.update(b, 0, end);
    ByteBuffer.wrap(b).putLong(end + 12, crc.getValue());
    return b;
  }

  /** Every byte except the float payloads and the end section: what a forger would change. */
  private static boolean[] interpretedBytes(byte[] file) {
    boolean[] interpreted = new boolean[file.length];
    ByteBuffer b = ByteBuffer.wrap(file);
    b.position(12);
    java.util.Arrays.fill(interpreted, 0, 12, true);
    while (b.remaining() > 20) {
      int at = b.position();
      byte[] tag = new byte[4];
      b.get(tag);
      int length = (int) b.getLong();
      boolean floats = FLOATS.contains(new String(tag, StandardCharsets.US_ASCII));
      java.util.Arrays.fill(interpreted, at, at + 12 + (floats ? 0 : length), true);
      b.position(at + 12 + length);
    }
    return interpreted;
  }
}

package dev.orca.estimator.internal.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Adam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written through Hadoop's local file system (a {@code .crc} beside each) read back as
 * written; a checkpoint damaged afterwards fails naming its file, whether Hadoop's checksum or the
 * model file's own catches it.
 */
class CheckpointStoreTest {
  @TempDir Path dir;

  private static byte[] modelFile() {
    try (Model m = new Sequential(5).add(new Dense(40)).add(new Dense(2)).optSeed(3).build()) {
      m.compile(new Adam(0.01), Loss.sparseCategoricalCrossEntropy());
      return m.toBytes();
    }
  }

  @Test
  void aCheckpointReadsBackAsWritten() {
    CheckpointStore store = new CheckpointStore(dir.toString());
    byte[] file = modelFile();
    store.write(0, file);
    store.write(1, file);
    assertArrayEquals(file, store.read(1).orElseThrow());
    assertEquals(1, store.latest().orElseThrow().epoch());
    assertTrue(Files.exists(dir.resolve(".epoch-00001.orca.crc")), "Hadoop keeps a checksum");
  }

  @Test
  void aCheckpointChangedAfterWritingFailsNamingItsFile() throws IOException {
    CheckpointStore store = new CheckpointStore(dir.toString());
    byte[] file = modelFile();
    assertTrue(file.length > 1100, "the flip lands past Hadoop's first 512-byte chunk");
    store.write(0, file);
    Path written = dir.resolve("epoch-00000.orca");
    byte[] bytes = Files.readAllBytes(written);
    bytes[1030] ^= 0x01;
    Files.write(written, bytes);

    for (Runnable read : new Runnable[] {() -> store.read(0), () -> store.latest()}) {
      OrcaDataException e = assertThrows(OrcaDataException.class, read::run);
      String m = e.getMessage();
      assertTrue(m.startsWith("the checkpoint " + written + " is corrupted"), m);
      assertTrue(m.contains(".epoch-00000.orca.crc"), m);
    }
    assertTrue(Files.exists(written), "the damaged file stays where it was");

    // without Hadoop's checksum file, the model file's own checksum catches the change
    Files.delete(dir.resolve(".epoch-00000.orca.crc"));
    OrcaDataException e = assertThrows(OrcaDataException.class, () -> store.read(0));
    assertTrue(
        e.getMessage().startsWith("the checkpoint " + written + " cannot be resumed from")
            && e.getMessage().contains("the model file is corrupted"),
        e.getMessage());
  }
}

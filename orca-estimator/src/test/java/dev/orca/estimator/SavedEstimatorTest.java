package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Adam;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An estimator saved to a folder (through Hadoop's local file system, which keeps a {@code .crc}
 * beside each file) comes back as it was; a folder whose files were damaged or edited fails with an
 * error naming the file, and for the settings the key and the value.
 */
class SavedEstimatorTest {
  @TempDir Path dir;

  private static Estimator estimator() {
    return Estimator.builder()
        .setModel(new Sequential(4).add(new Dense(3)).optSeed(7).build())
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Adam(0.01))
        .optBackend(Backend.RAY)
        .optWorkers(2)
        .optCoresPerWorker(3)
        .build();
  }

  private Path saved() {
    Path folder = dir.resolve("est");
    try (Estimator e = estimator()) {
      e.save(folder.toString());
    }
    return folder;
  }

  @Test
  void aSavedEstimatorComesBackWithItsSettingsAndWeights() {
    Path folder = dir.resolve("est");
    float[] weights;
    try (Estimator e = estimator()) {
      weights = e.getModel().parameterTensor().toArray();
      e.save(folder.toString());
    }
    assertTrue(Files.exists(folder.resolve(".model.orca.crc")), "Hadoop keeps a checksum file");
    try (Estimator back = Estimator.load(folder.toString())) {
      assertEquals(Backend.RAY, back.backend());
      assertEquals(2, back.workers());
      assertEquals(3, back.coresPerWorker());
      assertArrayEquals(weights, back.getModel().parameterTensor().toArray());
    }
  }

  @Test
  void settingsThatAreMissingOrOutOfRangeNameTheFileTheKeyAndTheValue() throws IOException {
    Path folder = saved();
    Path settings = folder.resolve("estimator.properties");
    String whole = "a whole number of at least 1";
    String backends = "spark or ray";
    String[][] cases = {
      // the settings file's lines, what the message names, what it says is allowed
      {"backend=RAY\ncoresPerWorker=3\n", "no 'workers' setting", whole},
      {"backend=RAY\nworkers=abc\ncoresPerWorker=3\n", "workers=abc", whole},
      {"backend=RAY\nworkers=-3\ncoresPerWorker=3\n", "workers=-3", whole},
      {"backend=RAY\nworkers=0\ncoresPerWorker=3\n", "workers=0", whole},
      {"backend=RAY\nworkers=2\ncoresPerWorker=1.5\n", "coresPerWorker=1.5", whole},
      {"backend=RAY\nworkers=2\n", "no 'coresPerWorker' setting", whole},
      {"backend=flink\nworkers=2\ncoresPerWorker=3\n", "backend=flink", backends},
      {"workers=2\ncoresPerWorker=3\n", "no 'backend' setting", backends},
    };
    for (String[] c : cases) {
      Files.writeString(settings, c[0], StandardCharsets.ISO_8859_1);
      // edited on purpose: without its checksum file, as the corruption message advises
      Files.deleteIfExists(folder.resolve(".estimator.properties.crc"));
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class, () -> Estimator.load(folder.toString()).close(), c[0]);
      String m = e.getMessage();
      assertTrue(
          m.contains(settings.toString()) && m.contains(c[1]) && m.contains(c[2]),
          c[0] + " -> " + m);
    }
  }

  @Test
  void aModelFileChangedAfterSavingIsReportedAsCorruptedNamingTheFile() throws IOException {
    Path folder = saved();
    Path model = folder.resolve("model.orca");
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length / 2] ^= 0x04; // one bit, past Hadoop's first 512-byte checksum chunk
    Files.write(model, bytes);

    OrcaDataException e =
        assertThrows(OrcaDataException.class, () -> Estimator.load(folder.toString()).close());
    String m = e.getMessage();
    assertTrue(m.contains(model.toString()) && m.contains("is corrupted"), m);
    assertTrue(m.contains(".model.orca.crc"), "names the checksum file: " + m);
    assertTrue(Files.exists(model), "the damaged file stays where it was");

    // without Hadoop's checksum file, the model file's own checksum catches it, also named
    Files.delete(folder.resolve(".model.orca.crc"));
    e = assertThrows(OrcaDataException.class, () -> Estimator.load(folder.toString()).close());
    m = e.getMessage();
    assertTrue(m.contains(model.toString()) && m.contains("its checksum is"), m);
  }

  @Test
  void settingsChangedWithoutTheirChecksumFileAreReportedAsCorrupted() throws IOException {
    Path folder = saved();
    Path settings = folder.resolve("estimator.properties");
    String text = Files.readString(settings, StandardCharsets.ISO_8859_1);
    Files.writeString(
        settings, text.replace("workers=2", "workers=5"), StandardCharsets.ISO_8859_1);

    OrcaDataException e =
        assertThrows(OrcaDataException.class, () -> Estimator.load(folder.toString()).close());
    String m = e.getMessage();
    assertTrue(m.contains(settings.toString()) && m.contains("is corrupted"), m);
    assertTrue(m.contains(".estimator.properties.crc"), m);

    Files.delete(folder.resolve(".estimator.properties.crc"));
    try (Estimator back = Estimator.load(folder.toString())) {
      assertEquals(5, back.workers(), "an intended change, its checksum file removed, is read");
    }
  }
}

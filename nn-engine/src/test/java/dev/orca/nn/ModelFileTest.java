package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.nn.internal.Graph;
import dev.orca.nn.io.ModelFile;
import dev.orca.nn.layers.Add;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelFileTest {
  private static Model trained() {
    Model m =
        new Sequential(6)
            .add(new Dense(8))
            .add(new BatchNorm())
            .add(new ReLU())
            .add(new Dense(3))
            .optSeed(3)
            .build();
    m.compile(new Adam(0.01), Loss.sparseCategoricalCrossEntropy(), Metric.accuracy());
    try (Tensor x = data();
        Tensor y = labels()) {
      for (int i = 0; i < 5; i++) {
        m.trainStep(x, y);
      }
    }
    return m;
  }

  private static Tensor data() {
    float[] v = new float[16 * 6];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) Math.sin(i * 0.7);
    }
    return Tensor.of(v, 16, 6);
  }

  private static Tensor labels() {
    float[] v = new float[16];
    for (int i = 0; i < v.length; i++) {
      v[i] = i % 3;
    }
    return Tensor.of(v, 16);
  }

  private static byte[] bytes(Model m) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.save(out);
    return out.toByteArray();
  }

  @Test
  void roundTripKeepsWeightsStateAndOptimizerSoTrainingContinuesIdentically() throws IOException {
    try (Model a = trained();
        Tensor x = data();
        Tensor y = labels()) {
      byte[] file = bytes(a);
      try (Model b = Model.load(new ByteArrayInputStream(file))) {
        assertArrayEquals(a.parameterTensor().toArray(), b.parameterTensor().toArray());
        assertArrayEquals(a.stateTensor().toArray(), b.stateTensor().toArray());
        assertEquals(5, b.optimizer().iterations());
        assertEquals(
            a.summary().replaceAll("Engine:.*", ""), b.summary().replaceAll("Engine:.*", ""));
        for (int i = 0; i < 3; i++) {
          assertEquals(a.trainStep(x, y), b.trainStep(x, y), 0.0);
        }
        assertArrayEquals(
            a.parameterTensor().toArray(),
            b.parameterTensor().toArray(),
            "Adam's moments and step count came back: the next steps are the same");
        try (Tensor pa = a.predict(x);
            Tensor pb = b.predict(x)) {
          assertArrayEquals(pa.toArray(), pb.toArray());
        }
      }
    }
  }

  @Test
  void modelsFollowEachOtherOnOneStream() throws IOException {
    try (Model a = trained();
        Model c = new Sequential(2).add(new Dense(1)).build()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      a.save(out);
      c.save(out);
      out.write(new byte[] {1, 2, 3});
      ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
      try (Model a2 = Model.load(in);
          Model c2 = Model.load(in)) {
        assertEquals(a.parameterCount(), a2.parameterCount());
        assertEquals(3, c2.parameterCount());
        assertEquals(3, in.available(), "the reader stops at the end section");
      }
    }
  }

  @Test
  void everyTruncationFailsClearly() throws IOException {
    byte[] file;
    try (Model a = trained()) {
      file = bytes(a);
    }
    for (int cut : new int[] {0, 5, 10, 40, file.length / 2, file.length - 9, file.length - 1}) {
      byte[] part = Arrays.copyOf(file, cut);
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class,
              () -> Model.load(new ByteArrayInputStream(part)).close(),
              "cut at " + cut);
      assertTrue(e.getMessage().contains("truncated"), cut + ": " + e.getMessage());
    }
  }

  @Test
  void aFlippedBitAnywhereFailsWithoutGarbageWeights() throws IOException {
    byte[] file;
    try (Model a = trained()) {
      file = bytes(a);
    }
    for (int at = 12; at < file.length; at += Math.max(1, file.length / 37)) {
      byte[] bad = file.clone();
      bad[at] ^= 0x10;
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class,
              () -> Model.load(new ByteArrayInputStream(bad)).close(),
              "flipped byte " + at);
      assertTrue(
          e.getMessage().contains("corrupted") || e.getMessage().contains("truncated"),
          at + ": " + e.getMessage());
    }
  }

  @Test
  void aSectionClaimingMoreThanTheFileHoldsFailsWithoutAllocatingIt() {
    byte[] file = ModelFileFuzzMain.claimingTwoGiB();
    assertEquals(24, file.length);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class, () -> Model.load(new ByteArrayInputStream(file)).close());
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(
        e.getMessage().contains("section 'PARM' claims 2147483631 bytes")
            && e.getMessage().contains("ends after 0 of them"),
        e.getMessage());
    assertTrue(allocated < 4 << 20, allocated + " bytes allocated for a 24-byte file");
  }

  @Test
  void aForgedArchitectureWhoseNodesShareOneLongInputListIsRefusedBeforeAnythingIsBuilt()
      throws IOException {
    // 3000 Add nodes that all refer to one list of 3000 inputs: Java serialization writes the
    // list once, but a pass would hold 2 x 3000 x 3000 input slots
    int n = 3000;
    int[] shared = new int[n];
    Shape one = Shape.of(1);
    Graph.Node[] nodes = new Graph.Node[n + 1];
    nodes[0] = new Graph.Node("x", null, new int[0], one);
    for (int i = 1; i <= n; i++) {
      nodes[i] = new Graph.Node("add" + i, new Add(), shared, one);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Tensor none = Tensor.zeros(0)) {
      ModelFile.write(
          new ModelFile.Contents(
              new Graph(nodes, new int[] {0}, new int[] {n}), 0, none, none, null, null, List.of()),
          out);
    }
    assertTrue(out.size() < 200_000, out.size() + " bytes");
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> Model.load(new ByteArrayInputStream(out.toByteArray())).close());
    assertTrue(
        e.getMessage().startsWith("the model file's architecture is inconsistent")
            && e.getMessage().contains("more inputs than an architecture of"),
        e.getMessage());
  }

  @Test
  void foreignFilesAndOtherVersionsAreRecognised() throws IOException {
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () ->
                Model.load(new ByteArrayInputStream("PK\3\4 a zip file, not a model".getBytes())));
    assertTrue(e.getMessage().contains("not an Orca model file"), e.getMessage());
    byte[] file;
    try (Model a = trained()) {
      file = bytes(a);
    }
    file[11] = 9;
    byte[] newer = file;
    e = assertThrows(OrcaDataException.class, () -> Model.load(new ByteArrayInputStream(newer)));
    assertTrue(e.getMessage().contains("format version 9"), e.getMessage());
  }

  @Test
  void weightsOfAnotherArchitectureAreRefused() throws IOException {
    try (Model a = trained();
        Model other =
            new Sequential(6)
                .add(new Dense(9))
                .add(new BatchNorm())
                .add(new ReLU())
                .add(new Dense(3))
                .build()) {
      float[] before = other.parameterTensor().toArray();
      byte[] file = bytes(a);
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class, () -> other.loadWeights(new ByteArrayInputStream(file)));
      assertTrue(
          e.getMessage().contains("dense/kernel (6, 8)") && e.getMessage().contains("(6, 9)"),
          e.getMessage());
      assertArrayEquals(before, other.parameterTensor().toArray(), "nothing changed");
      try (Model same =
          new Sequential(6)
              .add(new Dense(8))
              .add(new BatchNorm())
              .add(new ReLU())
              .add(new Dense(3))
              .optSeed(99)
              .build()) {
        same.loadWeights(new ByteArrayInputStream(file));
        assertArrayEquals(a.parameterTensor().toArray(), same.parameterTensor().toArray());
        assertArrayEquals(a.stateTensor().toArray(), same.stateTensor().toArray());
      }
    }
  }

  @Test
  void copyIsAnIndependentReplica() {
    try (Model a = trained();
        Model b = a.copy(Engine.of(Engine.Backend.JAVA, 1));
        Tensor x = data();
        Tensor y = labels()) {
      assertNotNull(b.optimizer());
      assertEquals(Engine.Backend.JAVA, b.engine().backend());
      assertArrayEquals(a.parameterTensor().toArray(), b.parameterTensor().toArray());
      b.trainStep(x, y);
      assertTrue(
          a.parameterTensor().get(0) != b.parameterTensor().get(0)
              || a.parameterTensor().get(1) != b.parameterTensor().get(1),
          "training the copy leaves the original alone");
    }
  }
}

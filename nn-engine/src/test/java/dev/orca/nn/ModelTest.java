package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Embedding;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Sgd;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

class ModelTest {
  private static Model mlp(long seed) {
    return new Sequential(64)
        .add(new Dense(128))
        .add(new ReLU())
        .add(new Dropout(0.2f))
        .add(new Dense(10))
        .optSeed(seed)
        .build();
  }

  private static Tensor classes(long seed, int n, int classes) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextInt(classes);
    }
    return Tensor.of(v, n);
  }

  @Test
  void summaryListsLayersShapesAndParameterCounts() {
    try (Model m = mlp(0)) {
      String s = m.summary();
      assertTrue(s.contains("input (Input)"), s);
      assertTrue(s.matches("(?s).*dense \\(Dense\\)\\s+\\(128,\\)\\s+8,320.*"), s);
      assertTrue(s.matches("(?s).*re_lu \\(ReLU\\)\\s+\\(128,\\)\\s+0.*"), s);
      assertTrue(s.matches("(?s).*dense_1 \\(Dense\\)\\s+\\(10,\\)\\s+1,290.*"), s);
      assertTrue(s.contains("Total params: 9,610"), s);
      assertEquals(9610, m.parameterCount());
      assertArrayEquals(new Shape[] {Shape.of(10)}, m.outputShapes());
    }
  }

  @Test
  void shapeMistakesFailWhereTheyAreMade() {
    OrcaDataException e =
        assertThrows(OrcaDataException.class, () -> new Sequential(8, 8, 1).add(new Dense(10)));
    assertTrue(e.getMessage().contains("Flatten"), e.getMessage());
    try (Model m = new Sequential(2).add(new Embedding(5, 3)).build();
        Tensor ids = Tensor.of(new float[] {1, 7}, 1, 2)) {
      e = assertThrows(OrcaDataException.class, () -> m.predict(ids));
      assertTrue(
          e.getMessage().startsWith("Embedding 'embedding': id 7.0 at position 1"), e.getMessage());
    }
    try (Model m = mlp(0);
        Tensor wrong = Tensor.zeros(4, 63)) {
      e = assertThrows(OrcaDataException.class, () -> m.predict(wrong));
      assertTrue(
          e.getMessage().contains("The input tensor has 63 feature values per row, but the"),
          e.getMessage());
      m.compile(new Sgd(0.1), Loss.sparseCategoricalCrossEntropy());
      try (Tensor x = Tensor.zeros(2, 64);
          Tensor y = Tensor.of(new float[] {1, 10}, 2)) {
        e = assertThrows(OrcaDataException.class, () -> m.trainStep(x, y));
        assertTrue(e.getMessage().contains("label 10.0 in row 1"), e.getMessage());
      }
    }
    assertThrows(OrcaConfigurationException.class, () -> new Dense(0));
    try (Model m = mlp(0);
        Tensor x = Tensor.zeros(2, 64)) {
      OrcaConfigurationException c =
          assertThrows(OrcaConfigurationException.class, () -> m.fit(x, x, 2, 1));
      assertTrue(c.getMessage().contains("compile"), c.getMessage());
    }
  }

  /**
   * The serving path (predict and predictInto on the engine) refuses rows of another width than the
   * model's input with the message fit gives, before the model runs; the same number of values in
   * another arrangement is a shape error.
   */
  @Test
  void rowsOfTheWrongWidthAreRefusedWithTheMessageFitGives() {
    try (Model m = new Sequential(4).add(new Dense(3)).optSeed(1).build();
        Tensor out = Tensor.zeros(40, 3)) {
      for (int width : new int[] {5, 3}) {
        try (Tensor x = Tensor.zeros(40, width)) {
          String expected =
              "The input tensor has "
                  + width
                  + " feature values per row, but the model's input takes 4. Choose the feature"
                  + " columns that make 4 values, or build the model for "
                  + width
                  + ".";
          assertEquals(
              expected, assertThrows(OrcaDataException.class, () -> m.predict(x)).getMessage());
          out.fill(7f);
          assertEquals(
              expected,
              assertThrows(OrcaDataException.class, () -> m.predictInto(x, out)).getMessage());
          assertEquals(7f, out.get(0), "nothing is written before the check");
        }
      }
      try (Tensor sameCount = Tensor.zeros(40, 2, 2)) {
        OrcaDataException e = assertThrows(OrcaDataException.class, () -> m.predict(sameCount));
        assertTrue(
            e.getMessage().contains("input 'input' takes (batch, 4), got a tensor of shape"),
            e.getMessage());
      }
    }
    GraphModel g = new GraphModel();
    GraphModel.Node user = g.input("user", 1);
    GraphModel.Node item = g.input("item", 2);
    try (Model m =
            g.build(g.apply(new Dense(1), g.apply(new dev.orca.nn.layers.Concat(), user, item)));
        Tensor users = Tensor.zeros(8, 1);
        Tensor items = Tensor.zeros(8, 3)) {
      OrcaDataException e = assertThrows(OrcaDataException.class, () -> m.predict(users, items));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "The tensor for input 'item' has 3 feature values per row, but the model's"
                      + " input takes 2."),
          e.getMessage());
    }
  }

  @Test
  void theSameSeedGivesTheSameWeightsAndTheSameTraining() {
    try (Model a = mlp(42);
        Model b = mlp(42);
        Model c = mlp(43);
        Tensor x = TestTensors.random(1, 32, 64);
        Tensor y = classes(2, 32, 10)) {
      assertArrayEquals(a.parameterTensor().toArray(), b.parameterTensor().toArray());
      assertFalse(
          java.util.Arrays.equals(a.parameterTensor().toArray(), c.parameterTensor().toArray()));
      for (Model m : new Model[] {a, b}) {
        m.compile(new Sgd(0.05, 0.9), Loss.sparseCategoricalCrossEntropy());
        for (int i = 0; i < 20; i++) {
          m.trainStep(x, y);
        }
      }
      assertArrayEquals(
          a.parameterTensor().toArray(),
          b.parameterTensor().toArray(),
          "dropout masks and steps agree");
    }
  }

  @Test
  void dropoutMasksFollowTheStepSeedTheTrainerSets() {
    try (Model m = new Sequential(1000).add(new Dropout(0.5f)).build();
        Tensor ones = Tensor.zeros(1, 1000).fill(1f)) {
      m.setStepSeed(7);
      float[] first = m.forward(ones, true).toArray();
      m.setStepSeed(7);
      assertArrayEquals(first, m.forward(ones, true).toArray());
      m.setStepSeed(8);
      assertFalse(java.util.Arrays.equals(first, m.forward(ones, true).toArray()));
      int kept = 0;
      for (float v : first) {
        assertTrue(v == 0f || v == 2f);
        kept += v == 2f ? 1 : 0;
      }
      assertTrue(kept > 430 && kept < 570, "about half kept: " + kept);
      assertArrayEquals(
          ones.toArray(), m.forward(ones, false).toArray(), "inference passes through");
    }
  }

  @Test
  void flatBuffersAreViewsThatCopyInOneCall() {
    try (Model a = mlp(1);
        Model b = mlp(2);
        Tensor x = TestTensors.random(3, 5, 64)) {
      FloatBuffer p = a.parameters();
      assertTrue(p.isDirect());
      assertEquals(ByteOrder.nativeOrder(), p.order());
      assertEquals(a.parameterCount(), p.remaining());
      assertEquals(a.parametersAddress(), new Pointer(p).address());
      assertEquals(a.gradientsAddress(), new Pointer(a.gradients()).address());
      b.copyParametersFrom(a.parameters());
      try (Tensor pa = a.predict(x);
          Tensor pb = b.predict(x)) {
        assertArrayEquals(pa.toArray(), pb.toArray());
      }
      p.put(a.parameterCount() - 1, 100f);
      try (Tensor pa = a.predict(x)) {
        assertEquals(100f, pa.get(9), 50f, "writing through parameters() changed the last bias");
      }
      assertThrows(OrcaDataException.class, () -> a.copyParametersFrom(FloatBuffer.allocate(10)));
    }
  }

  @Test
  void backwardReportsContiguousFinalRangesFromTheEndOfTheGradientBuffer() {
    try (Model m =
            new Sequential(16)
                .add(new Dense(12))
                .add(new BatchNorm())
                .add(new ReLU())
                .add(new Dense(8))
                .add(new ReLU())
                .add(new Dense(4))
                .build();
        Tensor x = TestTensors.random(1, 6, 16);
        Tensor g = TestTensors.random(2, 6, 4)) {
      m.forward(x, true);
      List<int[]> ranges = new ArrayList<>();
      List<float[]> atReport = new ArrayList<>();
      m.backward(
          (from, to) -> {
            ranges.add(new int[] {from, to});
            float[] v = new float[to - from];
            m.gradients().get(from, v);
            atReport.add(v);
          },
          g);
      int expectedEnd = m.parameterCount();
      for (int[] r : ranges) {
        assertEquals(expectedEnd, r[1], "each range ends where the previous began");
        assertTrue(r[0] < r[1]);
        expectedEnd = r[0];
      }
      assertEquals(0, expectedEnd, "the ranges cover the whole buffer");
      assertEquals(4, ranges.size(), "three Dense layers and one BatchNorm");
      for (int i = 0; i < ranges.size(); i++) {
        float[] fin = new float[ranges.get(i)[1] - ranges.get(i)[0]];
        m.gradients().get(ranges.get(i)[0], fin);
        assertArrayEquals(fin, atReport.get(i), "a reported range does not change afterwards");
      }
    }
  }

  /** Neural collaborative filtering: users and items embedded, joined, fed to an MLP. */
  @Test
  void graphModelWithTwoInputsLearnsWhoLikesWhat() {
    int users = 40;
    int items = 30;
    GraphModel g = new GraphModel();
    GraphModel.Node user = g.input("user", 1);
    GraphModel.Node item = g.input("item", 1);
    GraphModel.Node u =
        g.apply(new Flatten(), g.apply(new Embedding(users, 8).named("user_embedding"), user));
    GraphModel.Node i =
        g.apply(new Flatten(), g.apply(new Embedding(items, 8).named("item_embedding"), item));
    GraphModel.Node h =
        g.apply(new ReLU(), g.apply(new Dense(32), g.apply(new dev.orca.nn.layers.Concat(), u, i)));
    GraphModel.Node gmf = g.apply(new dev.orca.nn.layers.Multiply(), u, i);
    GraphModel.Node out = g.apply(new Dense(1), g.apply(new dev.orca.nn.layers.Concat(), h, gmf));
    int n = users * items;
    float[] us = new float[n];
    float[] is = new float[n];
    float[] likes = new float[n];
    for (int k = 0; k < n; k++) {
      us[k] = k / items;
      is[k] = k % items;
      likes[k] = (k / items) % 3 == (k % items) % 3 ? 1 : 0;
    }
    try (Model m = g.optSeed(5).build(out);
        Tensor ut = Tensor.of(us, n, 1);
        Tensor it = Tensor.of(is, n, 1);
        Tensor y = Tensor.of(likes, n, 1)) {
      assertTrue(m.summary().contains("user_embedding (Embedding)"), m.summary());
      m.compile(
          new dev.orca.nn.optim.Adam(0.01),
          Loss.binaryCrossEntropy(),
          new dev.orca.nn.metrics.BinaryAccuracy(0f),
          new dev.orca.nn.metrics.RocAuc(100, true));
      History hist = m.fit(new Tensor[] {ut, it}, y, 64, 30);
      var result = m.evaluate(new Tensor[] {ut, it}, y, 256);
      assertTrue(result.get("binary_accuracy") > 0.95, hist.last() + " " + result);
      assertTrue(result.get("auc") > 0.97, result.toString());
      Tensor badIds = Tensor.of(new float[] {users}, 1, 1);
      OrcaDataException e =
          assertThrows(OrcaDataException.class, () -> m.predict(badIds, it.rows(0, 1)));
      assertTrue(
          e.getMessage().contains("user_embedding") && e.getMessage().contains("id 40.0"),
          e.getMessage());
      badIds.close();
    }
  }

  @Test
  void closingIsIdempotentAndLaterUseIsRefused() {
    long before = Pointer.totalBytes();
    Model m = mlp(0);
    m.compile(new Sgd(0.1), Loss.sparseCategoricalCrossEntropy(), Metric.accuracy());
    try (Tensor x = TestTensors.random(1, 8, 64);
        Tensor y = classes(1, 8, 10)) {
      m.trainStep(x, y);
      m.predict(x).close();
      assertTrue(m.nativeBytes() > 4L * 2 * m.parameterCount());
      m.close();
      m.close();
      OrcaException e = assertThrows(OrcaException.class, () -> m.predict(x));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
    assertEquals(before, Pointer.totalBytes(), "every native byte the model held is freed");
  }

  @Test
  void engineChoiceIsExplicitAndForceable() {
    assertTrue(
        Engine.mklAvailable(),
        "MKL loads on this machine: " + dev.orca.nn.internal.MklBlas.loadFailure());
    assertEquals(Engine.Backend.MKL, Engine.create().backend());
    String old = System.getProperty("orca.nn.backend");
    try {
      System.setProperty("orca.nn.backend", "java");
      assertEquals(Engine.Backend.JAVA, Engine.create(3).backend());
      assertEquals(3, Engine.create(3).threads());
      System.setProperty("orca.nn.backend", "gpu");
      OrcaConfigurationException e = assertThrows(OrcaConfigurationException.class, Engine::create);
      assertTrue(e.getMessage().contains("orca.nn.backend=gpu"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty("orca.nn.backend");
      } else {
        System.setProperty("orca.nn.backend", old);
      }
    }
    assertNotEquals(
        Engine.of(Engine.Backend.JAVA, 1).toString(), Engine.of(Engine.Backend.MKL, 1).toString());
  }
}

package dev.orca.nn;

import static dev.orca.nn.TransferLearningTest.assertBitwiseEqual;
import static dev.orca.nn.TransferLearningTest.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Concat;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import java.io.ByteArrayInputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Loading weights by layer name from another model or a file, and cutting a model. */
class WeightsByNameTest {
  private static Model source() {
    Model m =
        new Sequential(4)
            .add(new Dense(6).named("encoder"))
            .add(new BatchNorm().named("norm"))
            .add(new ReLU().named("relu"))
            .add(new Dense(3).named("classes"))
            .optSeed(11)
            .build();
    // running statistics that differ from a fresh layer's
    for (int i = 0; i < m.state().capacity(); i++) {
      m.state().put(i, 0.5f + i);
    }
    return m;
  }

  private static Model target(int classes) {
    return new Sequential(4)
        .add(new Dense(6).named("encoder"))
        .add(new BatchNorm().named("norm"))
        .add(new ReLU().named("relu"))
        .add(new Dense(classes).named(classes == 3 ? "other_head" : "classes"))
        .optSeed(99)
        .build();
  }

  @Test
  void layersOfTheSameNameTakeTheSourcesWeightsAndTheOthersKeepTheirs() throws Exception {
    try (Model source = source();
        Model fromModel = target(3);
        Model fromFile = target(3)) {
      float[] head = fromModel.parameter("other_head", "kernel").toArray();
      assertEquals(List.of("encoder", "norm"), fromModel.loadWeightsByName(source));
      assertEquals(
          List.of("encoder", "norm"),
          fromFile.loadWeightsByName(new ByteArrayInputStream(source.toBytes())));
      for (Model m : List.of(fromModel, fromFile)) {
        assertArrayEquals(
            source.parameter("encoder", "kernel").toArray(),
            m.parameter("encoder", "kernel").toArray());
        assertArrayEquals(
            source.parameter("norm", "gamma").toArray(), m.parameter("norm", "gamma").toArray());
        assertArrayEquals(
            source.state("norm", "moving_variance").toArray(),
            m.state("norm", "moving_variance").toArray());
      }
      assertArrayEquals(head, fromModel.parameter("other_head", "kernel").toArray(), "kept");
    }
  }

  @Test
  void aNamesakeOfAnotherShapeFailsNamingBothShapesAndLoadsNothing() throws Exception {
    try (Model source = source();
        Model target = target(5)) {
      float[] before = floats(target.parameters(), target.parameterCount());
      OrcaDataException e =
          assertThrows(OrcaDataException.class, () -> target.loadWeightsByName(source));
      assertTrue(
          e.getMessage().contains("layer 'classes' has kernel (6, 5)")
              && e.getMessage().contains("has kernel (6, 3)")
              && e.getMessage().contains("Nothing was loaded"),
          e.getMessage());
      assertBitwiseEqual(
          before, floats(target.parameters(), target.parameterCount()), "the target's weights");
      OrcaDataException file =
          assertThrows(
              OrcaDataException.class,
              () -> target.loadWeightsByName(new ByteArrayInputStream(source.toBytes())));
      assertTrue(file.getMessage().contains("from the model file"), file.getMessage());
    }
  }

  @Test
  void aSourceWithoutNamesakesFails() {
    try (Model source = source();
        Model stranger = new Sequential(4).add(new Dense(6).named("x")).build()) {
      OrcaDataException e =
          assertThrows(OrcaDataException.class, () -> stranger.loadWeightsByName(source));
      assertTrue(
          e.getMessage().contains("[encoder, norm, classes] has a namesake")
              && e.getMessage().contains("whose layers are [x]"),
          e.getMessage());
    }
  }

  @Test
  void aCutKeepsWhatTheNamedNodeIsComputedFromWithItsWeights() {
    GraphModel g = new GraphModel();
    GraphModel.Node a = g.input("a", 3);
    GraphModel.Node b = g.input("b", 2);
    GraphModel.Node ea = g.apply(new Dense(4).named("enc_a"), a);
    GraphModel.Node eb = g.apply(new Dense(4).named("enc_b"), b);
    GraphModel.Node both = g.apply(new Concat().named("both"), ea, eb);
    try (Model whole = g.optSeed(5).build(g.apply(new Dense(1).named("out"), both))) {
      whole.freeze("enc_a");
      GraphModel cut = whole.cutAt("enc_a");
      // a new head named like a layer the cut dropped starts from fresh weights
      try (Model part = cut.build(cut.apply(new Dense(2).named("out"), cut.node("enc_a")));
          Tensor x = TestTensors.random(7, 5, 3)) {
        assertEquals(List.of("a"), part.inputNames(), "input b does not lead to enc_a");
        assertEquals(List.of("enc_a"), part.frozenLayers());
        assertArrayEquals(
            whole.parameter("enc_a", "kernel").toArray(),
            part.parameter("enc_a", "kernel").toArray());
        assertEquals(4 * 2 + 2, part.parameterCount() - (3 * 4 + 4));
        try (Tensor out = part.predict(x)) {
          assertEquals(2, out.dim(1));
        }
      }
      OrcaConfigurationException e =
          assertThrows(OrcaConfigurationException.class, () -> whole.cutAt("enc_c"));
      assertTrue(e.getMessage().contains("no node 'enc_c' to cut at"), e.getMessage());
      OrcaConfigurationException node =
          assertThrows(OrcaConfigurationException.class, () -> cut.node("both"));
      assertTrue(node.getMessage().contains("[a, enc_a, out]"), node.getMessage());
      GraphModel atInput = whole.cutAt("b");
      try (Model fresh = atInput.build(atInput.apply(new Dense(1), atInput.node("b")))) {
        assertEquals(2 + 1, fresh.parameterCount(), "a cut that carries no weights builds");
      }
    }
  }
}

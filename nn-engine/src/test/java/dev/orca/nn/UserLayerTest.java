package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.orcalayers.ScaledSwish;
import com.example.orcalayers.Unregistered;
import dev.orca.OrcaDataException;
import dev.orca.nn.internal.Graph;
import dev.orca.nn.io.ModelFile;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Adam;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A layer class of the user's own (outside Orca's packages) saves and loads through the model file
 * once registered; the allow-list takes exactly the registered class, nothing else.
 */
class UserLayerTest {
  private static Model withSwish(Layer swish) {
    return new Sequential(4)
        .add(new Dense(8).named("dense"))
        .add(swish.named("swish"))
        .add(new Dense(3).named("classes"))
        .optSeed(2)
        .build();
  }

  @Test
  void aRegisteredLayerOfTheUsersOwnTrainsAndComesBackFromTheModelFile() throws Exception {
    Layer.register(ScaledSwish.class);
    try (Model model = withSwish(new ScaledSwish(1.5f));
        Tensor x = TestTensors.random(3, 32, 4);
        Tensor y = Tensor.of(new float[32], 32)) {
      for (int i = 0; i < 32; i++) {
        y.set(i, x.get(4 * i) > 0 ? (x.get(4 * i + 1) > 0 ? 2 : 1) : 0);
      }
      model.compile(new Adam(0.02), Loss.sparseCategoricalCrossEntropy());
      double first = model.trainStep(x, y);
      double last = first;
      for (int step = 0; step < 60; step++) {
        last = model.trainStep(x, y);
      }
      assertTrue(last < first / 2, "the loss fell from " + first + " to " + last);
      float[] beta = model.parameter("swish", "beta").toArray();
      assertNotEquals(1f, beta[0], "the layer's own parameter trained");

      ByteArrayOutputStream file = new ByteArrayOutputStream();
      model.save(file);
      try (Model read = Model.load(new ByteArrayInputStream(file.toByteArray()));
          Tensor expected = model.predict(x);
          Tensor actual = read.predict(x)) {
        assertTrue(read.layers().get(1) instanceof ScaledSwish);
        assertEquals("sharpness 1.5", read.layers().get(1).describe());
        assertArrayEquals(beta, read.parameter("swish", "beta").toArray());
        assertArrayEquals(expected.toArray(), actual.toArray(), 0f);
        assertEquals(model.optimizer().iterations(), read.optimizer().iterations());
      }
    }
  }

  @Test
  void anUnregisteredLayerIsRefusedNamingItsClassAndHowToRegisterIt() throws Exception {
    OrcaDataException build =
        assertThrows(OrcaDataException.class, () -> withSwish(new Unregistered()).close());
    assertTrue(
        build.getMessage().contains("com.example.orcalayers.Unregistered")
            && build.getMessage().contains("Layer.register"),
        build.getMessage());

    // a file that holds it (written without building a model) is refused before anything is built
    Graph graph =
        new Graph(
            new Graph.Node[] {
              new Graph.Node("input", null, new int[0], Shape.of(4)),
              new Graph.Node("id", new Unregistered().named("id"), new int[] {0}, Shape.of(4))
            },
            new int[] {0},
            new int[] {1});
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    try (Tensor none = Tensor.zeros(0)) {
      ModelFile.write(new ModelFile.Contents(graph, 0, none, none, null, null, List.of()), file);
    }
    OrcaDataException load =
        assertThrows(
            OrcaDataException.class,
            () -> Model.load(new ByteArrayInputStream(file.toByteArray())));
    assertTrue(
        load.getMessage().contains("architecture section holds an instance of")
            && load.getMessage().contains("com.example.orcalayers.Unregistered"),
        load.getMessage());
  }

  @Test
  void registeringALayerDoesNotAdmitItsSubclasses() {
    Layer.register(ScaledSwish.class);
    OrcaDataException e =
        assertThrows(OrcaDataException.class, () -> withSwish(new ScaledSwish.Variant()).close());
    assertTrue(
        e.getMessage().contains("com.example.orcalayers.ScaledSwish$Variant"), e.getMessage());
  }
}

package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.nn.layers.Arithmetic;
import dev.orca.nn.layers.AveragePool2D;
import dev.orca.nn.layers.Concat;
import dev.orca.nn.layers.Constant;
import dev.orca.nn.layers.Conv1D;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Divide;
import dev.orca.nn.layers.Embedding;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.GRU;
import dev.orca.nn.layers.Gather;
import dev.orca.nn.layers.GlobalAveragePool;
import dev.orca.nn.layers.Initializer;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.LayerNorm;
import dev.orca.nn.layers.LogSoftmax;
import dev.orca.nn.layers.MatMul;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.MultiHeadAttention;
import dev.orca.nn.layers.NormStatistics;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.layers.Subtract;
import dev.orca.nn.layers.TimeDistributed;
import dev.orca.nn.layers.Transpose;
import dev.orca.nn.layers.Window;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The layers of model file version 2 save and load; version 1 files still load as they were. */
class NewLayersModelFileTest {
  private static final Engine ENGINE = Engine.of(Engine.Backend.JAVA, 1);

  /** A model that uses every layer version 2 added, trained a few steps so nothing is default. */
  private static Model everyNewLayer() {
    GraphModel g = new GraphModel();
    GraphModel.Node seq = g.input("seq", 6, 4);
    GraphModel.Node img = g.input("img", 5, 5, 2);
    GraphModel.Node a = g.apply(new Conv1D(4, 3), seq);
    a = g.apply(new LayerNorm(), a);
    a = g.apply(new MultiHeadAttention(2, 2, true), a);
    a = g.apply(new TimeDistributed(new Dense(4)), a);
    GraphModel.Node s = g.apply(new GRU(3, true, false), a);
    s = g.apply(new Gather(0, new int[] {-1}, new int[0]), s);
    GraphModel.Node i =
        g.apply(
            new Conv2D(
                3,
                Window.of(3, 3).strides(2, 1).dilations(1, 2).pads(1, 1, 1, 1),
                Conv2D.Padding.VALID,
                Initializer.HE_UNIFORM),
            img);
    i = g.apply(new MaxPool2D(Window.of(2, 2).pads(1, 0, 0, 0).ceilMode(true)), i);
    i = g.apply(new AveragePool2D(Window.of(2, 1), true), i);
    i = g.apply(new Transpose(2, 0, 1), i);
    i = g.apply(new Reshape(3, i.shape().size() / 3), i);
    i = g.apply(new Transpose(1, 0), i);
    i = g.apply(new GlobalAveragePool(), i);
    i = g.apply(new Arithmetic(Arithmetic.Op.MUL, Shape.of(3)), i);
    GraphModel.Node out = g.apply(new dev.orca.nn.layers.Concat(), s, i);
    Model m = g.optSeed(4).optEngine(ENGINE).build(g.apply(new Dense(2), out));
    m.compile(new dev.orca.nn.optim.Adam(0.01), dev.orca.nn.losses.Loss.meanSquaredError());
    try (Tensor x1 = TestTensors.random(1, 4, 6, 4);
        Tensor x2 = TestTensors.random(2, 4, 5, 5, 2);
        Tensor y = TestTensors.random(3, 4, 2)) {
      for (int k = 0; k < 3; k++) {
        m.trainStep(new Tensor[] {x1, x2}, y);
      }
    }
    return m;
  }

  @Test
  void everyNewLayerSavesAndLoadsWithItsWeightsAndPredictions() {
    try (Model a = everyNewLayer();
        Model b = Model.fromBytes(a.toBytes(), ENGINE);
        Tensor x1 = TestTensors.random(5, 3, 6, 4);
        Tensor x2 = TestTensors.random(6, 3, 5, 5, 2);
        Tensor pa = a.predict(x1, x2);
        Tensor pb = b.predict(x1, x2)) {
      assertArrayEquals(a.parameterTensor().toArray(), b.parameterTensor().toArray());
      assertEquals(
          a.summary().replaceAll("Engine:.*", ""), b.summary().replaceAll("Engine:.*", ""));
      assertArrayEquals(pa.toArray(), pb.toArray());
    }
  }

  /** The version 2 layers the first model leaves out, in a model of three inputs. */
  private static Model everyOtherNewLayer() {
    GraphModel g = new GraphModel();
    GraphModel.Node a = g.input("a", 4, 6);
    GraphModel.Node b = g.input("b", 4, 6);
    GraphModel.Node ids = g.input("ids", 2, 3);
    GraphModel.Node c = g.apply(new Constant(Shape.of(4, 6)), a);
    GraphModel.Node q = g.apply(new Divide(), g.apply(new Subtract(), a, b), c);
    GraphModel.Node m = g.apply(new MatMul(), q, g.apply(new Transpose(1, 0), b));
    m = g.apply(new Flatten(), g.apply(new LogSoftmax(), m));
    GraphModel.Node n =
        g.apply(
            new Flatten(),
            g.apply(new NormStatistics(1, 1e-3f, NormStatistics.Statistic.INVERSE_STD), a));
    GraphModel.Node l =
        g.apply(new Flatten(), g.apply(new LSTM(3, true), g.apply(new Reshape(2, 2, 6), a)));
    GraphModel.Node e = g.apply(new Flatten(), g.apply(new Embedding(10, 2), ids));
    GraphModel.Node out = g.apply(new Concat(), m, n, l, e);
    Model model = g.optSeed(5).optEngine(ENGINE).build(g.apply(new Dense(2), out));
    model.state("constant", "value").fill(2f);
    model.compile(new dev.orca.nn.optim.Adam(0.01), dev.orca.nn.losses.Loss.meanSquaredError());
    try (Tensor x1 = TestTensors.random(1, 3, 4, 6);
        Tensor x2 = TestTensors.random(2, 3, 4, 6);
        Tensor x3 =
            Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 2, 3);
        Tensor y = TestTensors.random(3, 3, 2)) {
      for (int k = 0; k < 3; k++) {
        model.trainStep(new Tensor[] {x1, x2, x3}, y);
      }
    }
    return model;
  }

  @Test
  void theOtherNewLayersSaveAndLoadToo() {
    try (Model a = everyOtherNewLayer();
        Model b = Model.fromBytes(a.toBytes(), ENGINE);
        Tensor x1 = TestTensors.random(7, 2, 4, 6);
        Tensor x2 = TestTensors.random(8, 2, 4, 6);
        Tensor x3 = Tensor.of(new float[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2}, 2, 2, 3);
        Tensor pa = a.predict(x1, x2, x3);
        Tensor pb = b.predict(x1, x2, x3)) {
      assertArrayEquals(a.parameterTensor().toArray(), b.parameterTensor().toArray());
      assertArrayEquals(a.stateTensor().toArray(), b.stateTensor().toArray());
      assertEquals(2f, b.state("constant", "value").get(5));
      assertArrayEquals(pa.toArray(), pb.toArray());
    }
  }

  @Test
  void aVersionOneFileLoadsAndPredictsWhatItsWriterPredicted() throws IOException {
    // written by the version 1 code (commit 7186295): Conv2D same, Conv2D 2x3 stride 2 valid,
    // MaxPool2D 2 stride 1, Flatten, Dense; the predictions that code made for this input
    byte[] file = resource("conv-v1.orca");
    assertEquals(1, file[11], "the fixture is a version 1 file");
    String[] expected =
        new String(resource("conv-v1-predictions.txt"), StandardCharsets.UTF_8).trim().split("\n");
    float[] v = new float[2 * 72];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) Math.sin(i * 0.1);
    }
    try (Model m = Model.fromBytes(file, ENGINE);
        Tensor x = Tensor.of(v, 2, 6, 6, 2);
        Tensor y = m.predict(x)) {
      float[] got = y.toArray();
      assertEquals(expected.length, got.length);
      for (int i = 0; i < got.length; i++) {
        assertEquals(Float.parseFloat(expected[i]), got[i], 1e-6, "prediction " + i);
      }
      assertTrue(m.summary().contains("2x3, strides 2x2"), m.summary());
    }
  }

  @Test
  void aForgedLayerConfigurationIsRefusedAsAnInconsistentArchitecture() throws Exception {
    Model m = new Sequential(2, 3).add(new Transpose(1, 0)).optEngine(ENGINE).build();
    byte[] file;
    try (m) {
      Transpose t = (Transpose) m.layers().get(0);
      Field perm = Transpose.class.getDeclaredField("perm");
      perm.setAccessible(true);
      perm.set(t, new int[] {1, 1});
      file = m.toBytes();
    }
    OrcaDataException e =
        assertThrows(OrcaDataException.class, () -> Model.fromBytes(file, ENGINE).close());
    assertTrue(
        e.getMessage().startsWith("the model file's architecture is inconsistent")
            && e.getMessage().contains("perm [1, 1]"),
        e.getMessage());
  }

  @Test
  void parametersAreFoundByLayerNameAndAreViewsOfTheModel() {
    try (Model m = everyNewLayer()) {
      Tensor gamma = m.parameter("layer_norm", "gamma");
      assertEquals(Shape.of(4), gamma.shape());
      gamma.set(0, 42f);
      assertEquals(42f, m.parameter("layer_norm", "gamma").get(0));
      assertTrue(
          Arrays.stream(box(m.parameterTensor().toArray())).anyMatch(v -> v == 42f),
          "the view writes the model's flat buffer");
      dev.orca.OrcaConfigurationException e =
          assertThrows(
              dev.orca.OrcaConfigurationException.class, () -> m.parameter("layer_norm", "scale"));
      assertTrue(e.getMessage().contains("it has gamma, beta"), e.getMessage());
      e =
          assertThrows(
              dev.orca.OrcaConfigurationException.class, () -> m.parameter("nothing", "kernel"));
      assertTrue(e.getMessage().contains("its layers are [conv1d, layer_norm"), e.getMessage());
    }
  }

  private static Float[] box(float[] v) {
    Float[] b = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = v[i];
    }
    return b;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = NewLayersModelFileTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}

package dev.orca.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.Engine;
import dev.orca.nn.GraphModel;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Add;
import dev.orca.nn.layers.Arithmetic;
import dev.orca.nn.layers.AveragePool2D;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Conv1D;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Embedding;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.GRU;
import dev.orca.nn.layers.Gather;
import dev.orca.nn.layers.GlobalAveragePool;
import dev.orca.nn.layers.Initializer;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.LayerNorm;
import dev.orca.nn.layers.LeakyReLU;
import dev.orca.nn.layers.LogSoftmax;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.MultiHeadAttention;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.layers.Sigmoid;
import dev.orca.nn.layers.Softmax;
import dev.orca.nn.layers.Tanh;
import dev.orca.nn.layers.TimeDistributed;
import dev.orca.nn.layers.Transpose;
import dev.orca.nn.layers.Window;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Engine models exported to ONNX and run in ONNX Runtime give the engine's outputs within 1e-4:
 * models built here (every layer with an ONNX form) and the imported PyTorch fixtures again.
 */
class OnnxExportTest {
  private static final double TOLERANCE = 1e-4;
  private static final Engine ENGINE = Engine.of(Engine.Backend.MKL, 2);
  private static final int BATCH = 5;

  static Stream<Arguments> builtModels() {
    return Stream.of(
        Arguments.of("mlp", (Supplier<Model>) OnnxExportTest::mlp, false),
        Arguments.of("cnn", (Supplier<Model>) OnnxExportTest::cnn, false),
        Arguments.of("residual", (Supplier<Model>) OnnxExportTest::residual, false),
        Arguments.of("lstm", (Supplier<Model>) OnnxExportTest::lstm, false),
        Arguments.of("gru", (Supplier<Model>) OnnxExportTest::gru, false),
        Arguments.of("embedding", (Supplier<Model>) OnnxExportTest::embedding, true),
        Arguments.of("transformer", (Supplier<Model>) () -> transformer(false), false),
        Arguments.of("causal transformer", (Supplier<Model>) () -> transformer(true), false),
        Arguments.of("sequence ops", (Supplier<Model>) OnnxExportTest::sequenceOps, false));
  }

  static Model mlp() {
    return new Sequential(12)
        .add(new Dense(16))
        .add(new LeakyReLU(0.2f))
        .add(new Dropout(0.3f))
        .add(new Dense(8))
        .add(new Sigmoid())
        .add(new Dense(6, false, Initializer.GLOROT_NORMAL))
        .add(new Tanh())
        .add(new Dense(4))
        .add(new Softmax())
        .optSeed(1)
        .optEngine(ENGINE)
        .build();
  }

  static Model cnn() {
    Model m =
        new Sequential(10, 11, 3)
            .add(new Conv2D(6, 3))
            .add(new BatchNorm(0.9f, 1e-3f))
            .add(new ReLU())
            .add(new MaxPool2D(Window.of(2, 2).strides(2, 2).pads(0, 1, 0, 0).ceilMode(true)))
            .add(
                new Conv2D(
                    8,
                    Window.of(3, 2).strides(1, 2).dilations(2, 1).pads(1, 0, 2, 1),
                    Conv2D.Padding.VALID,
                    Initializer.HE_NORMAL))
            .add(new AveragePool2D(Window.of(2, 2).pads(1, 1, 0, 0), false))
            .add(new AveragePool2D(Window.of(2, 1), true))
            .add(new Flatten())
            .add(new Dense(5))
            .add(new LogSoftmax())
            .optSeed(2)
            .optEngine(ENGINE)
            .build();
    randomState(m, "batch_norm");
    return m;
  }

  static Model residual() {
    GraphModel g = new GraphModel();
    GraphModel.Node x = g.input("input", 8, 8, 4);
    GraphModel.Node a = g.apply(new Conv2D(4, 3), x);
    a = g.apply(new BatchNorm(), a);
    a = g.apply(new ReLU(), a);
    a = g.apply(new Conv2D(4, 3), a);
    GraphModel.Node s = g.apply(new ReLU(), g.apply(new Add(), x, a));
    s = g.apply(new GlobalAveragePool(), s);
    Model m = g.optSeed(3).optEngine(ENGINE).build(g.apply(new Dense(3), s));
    randomState(m, "batch_norm");
    return m;
  }

  static Model lstm() {
    return new Sequential(7, 5)
        .add(new LSTM(6, true))
        .add(new LSTM(4))
        .add(new Dense(2))
        .optSeed(4)
        .optEngine(ENGINE)
        .build();
  }

  static Model gru() {
    return new Sequential(6, 4)
        .add(new GRU(5, true, false))
        .add(new GRU(3, false, true))
        .add(new Dense(2))
        .optSeed(5)
        .optEngine(ENGINE)
        .build();
  }

  static Model embedding() {
    return new Sequential(6)
        .add(new Embedding(20, 4))
        .add(new Flatten())
        .add(new Dense(3))
        .optSeed(6)
        .optEngine(ENGINE)
        .build();
  }

  /** A transformer encoder block: attention, residual, LayerNorm, feed-forward, residual. */
  static Model transformer(boolean causal) {
    GraphModel g = new GraphModel();
    GraphModel.Node x = g.input("input", 5, 8);
    GraphModel.Node a = g.apply(new MultiHeadAttention(2, 4, causal), x);
    GraphModel.Node h = g.apply(new LayerNorm(), g.apply(new Add(), x, a));
    GraphModel.Node f = g.apply(new TimeDistributed(new Dense(16)), h);
    f = g.apply(new ReLU(), f);
    f = g.apply(new TimeDistributed(new Dense(8)), f);
    GraphModel.Node y = g.apply(new LayerNorm(), g.apply(new Add(), h, f));
    y = g.apply(new GlobalAveragePool(), y);
    Model m = g.optSeed(7).optEngine(ENGINE).build(g.apply(new Dense(3), y));
    randomParameters(m, 0.3);
    return m;
  }

  static Model sequenceOps() {
    return new Sequential(12, 3)
        .add(new Conv1D(4, 3, 2, 2, 1, 2, Conv2D.Padding.VALID, Initializer.GLOROT_UNIFORM))
        .add(new ReLU())
        .add(new Conv1D(4, 2))
        .add(new Transpose(1, 0))
        .add(new Gather(1, new int[] {0, -1, 2}, new int[] {3}))
        .add(new Arithmetic(Arithmetic.Op.MUL, Shape.of(4, 1)))
        .add(new Arithmetic(Arithmetic.Op.RSUB, Shape.of(3)))
        .add(new Reshape(3, 4))
        .add(new Flatten())
        .add(new Dense(2))
        .optSeed(8)
        .optEngine(ENGINE)
        .build();
  }

  /** Running statistics that are not 0 and 1. */
  private static void randomState(Model m, String layer) {
    SplittableRandom r = new SplittableRandom(9);
    Tensor mean = m.state(layer, "moving_mean");
    Tensor var = m.state(layer, "moving_variance");
    for (int i = 0; i < mean.size(); i++) {
      mean.set(i, (float) (0.3 * r.nextGaussian()));
      var.set(i, (float) (0.5 + r.nextDouble()));
    }
  }

  /** Biases and LayerNorm parameters start at 0 and 1: give them values that show mistakes. */
  private static void randomParameters(Model m, double scale) {
    SplittableRandom r = new SplittableRandom(10);
    Tensor p = m.parameterTensor();
    for (int i = 0; i < p.size(); i++) {
      p.set(i, p.get(i) + (float) (scale * r.nextGaussian()));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("builtModels")
  void exportedModelsRunInOnnxRuntimeWithTheEnginesOutputs(
      String name, Supplier<Model> make, boolean ids) throws Exception {
    try (Model model = make.get()) {
      Shape in = model.inputShapes()[0];
      float[] x = new float[BATCH * in.size()];
      SplittableRandom r = new SplittableRandom(11);
      for (int i = 0; i < x.length; i++) {
        x[i] = ids ? r.nextInt(20) : (float) r.nextGaussian();
      }
      compare(name, model, x, in);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void importedModelsExportedAgainGiveTheSameOutputs(String name) throws Exception {
    Npy x = Fixtures.npy(name + ".input.npy");
    try (Model model =
        OnnxImporter.from(Fixtures.bytes(name + ".onnx"), name).optEngine(ENGINE).build()) {
      compare("re-exported " + name, model, x.values(), model.inputShapes()[0]);
    }
  }

  static String[] fixtures() {
    return Fixtures.NAMES;
  }

  private static void compare(String name, Model model, float[] x, Shape in) throws Exception {
    int batch = x.length / in.size();
    byte[] onnx = OnnxExporter.toBytes(model);
    long[] shape = new long[in.rank() + 1];
    shape[0] = batch;
    for (int i = 0; i < in.rank(); i++) {
      shape[i + 1] = in.dim(i);
    }
    float[] ort = OnnxRuntime.run(onnx, model.inputNames().get(0), x, shape, false);
    try (Tensor input = Tensor.of(x, OnnxRuntimeAgreementTest.toInts(shape));
        Tensor out = model.predict(input)) {
      float[] engine = out.toArray();
      double diff = OnnxRuntimeAgreementTest.maxAbsDiff(engine, ort);
      System.out.printf(
          "export %-22s max |ORT - engine| = %.3g (%d values, %d bytes)%n",
          name, diff, engine.length, onnx.length);
      assertTrue(
          diff <= TOLERANCE,
          name
              + ": ONNX Runtime and the engine differ by "
              + diff
              + " "
              + Arrays.toString(Arrays.copyOf(ort, 4))
              + " vs "
              + Arrays.toString(Arrays.copyOf(engine, 4)));
    }
  }
}

package dev.orca.nn;

import dev.orca.nn.layers.Add;
import dev.orca.nn.layers.Arithmetic;
import dev.orca.nn.layers.AveragePool2D;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Concat;
import dev.orca.nn.layers.Constant;
import dev.orca.nn.layers.Conv1D;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Divide;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Embedding;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.GRU;
import dev.orca.nn.layers.Gather;
import dev.orca.nn.layers.GlobalAveragePool;
import dev.orca.nn.layers.Initializer;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.LayerNorm;
import dev.orca.nn.layers.LeakyReLU;
import dev.orca.nn.layers.LogSoftmax;
import dev.orca.nn.layers.MatMul;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.MultiHeadAttention;
import dev.orca.nn.layers.Multiply;
import dev.orca.nn.layers.NormStatistics;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.layers.Sigmoid;
import dev.orca.nn.layers.Softmax;
import dev.orca.nn.layers.Subtract;
import dev.orca.nn.layers.Tanh;
import dev.orca.nn.layers.TimeDistributed;
import dev.orca.nn.layers.Transpose;
import dev.orca.nn.layers.Window;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Every layer type in small configurations, with inputs that keep finite differences clear of
 * kinks.
 */
final class LayerCases {
  static final int BATCH = 3;

  /** The engines every layer is checked on: the two reference paths and oneDNN. */
  enum Engines {
    JAVA,
    MKL,
    ONEDNN;

    Engine engine(int threads) {
      switch (this) {
        case JAVA:
          return Engine.of(Engine.Backend.JAVA, threads).withDnnl(false);
        case MKL:
          return Engine.of(Engine.Backend.MKL, threads).withDnnl(false);
        default:
          return Engine.of(Engine.Backend.MKL, threads).withDnnl(true);
      }
    }
  }

  /** How a case's inputs are drawn. */
  enum Inputs {
    /** Normal values, none within 0.05 of zero (ReLU's kink). */
    SMOOTH,
    /** All values distinct and 0.05 apart (max-pool's ties). */
    DISTINCT,
    /** Whole-number ids in [0, 10). */
    IDS,
    /** Uniform in [0.5, 1.5] (divisors). */
    POSITIVE
  }

  static final class Case {
    final String name;
    final Supplier<Layer> layer;
    final Shape[] inputs;
    final Inputs kind;

    Case(String name, Supplier<Layer> layer, Inputs kind, Shape... inputs) {
      this.name = name;
      this.layer = layer;
      this.inputs = inputs;
      this.kind = kind;
    }

    @Override
    public String toString() {
      return name;
    }

    /** A model of just this layer, its inputs becoming model inputs. */
    Model model(Engine engine) {
      GraphModel g = new GraphModel();
      GraphModel.Node[] in = new GraphModel.Node[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        in[i] = g.input("in" + i, inputs[i]);
      }
      return g.optSeed(7)
          .optEngine(engine)
          .build(g.apply(layer.get(), in))
          .computeInputGradients(kind != Inputs.IDS);
    }

    Tensor[] inputs(long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      Tensor[] t = new Tensor[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        Shape s = inputs[i].withBatch(BATCH);
        float[] v = new float[s.size()];
        for (int j = 0; j < v.length; j++) {
          switch (kind) {
            case IDS:
              v[j] = r.nextInt(10);
              break;
            case DISTINCT:
              v[j] = (j - v.length / 2) * 0.05f;
              break;
            case POSITIVE:
              v[j] = (float) (0.5 + r.nextDouble());
              break;
            default:
              double x;
              do {
                x = r.nextGaussian();
              } while (Math.abs(x) < 0.05);
              v[j] = (float) x;
          }
        }
        if (kind == Inputs.DISTINCT) {
          for (int j = v.length - 1; j > 0; j--) {
            int k = r.nextInt(j + 1);
            float tmp = v[j];
            v[j] = v[k];
            v[k] = tmp;
          }
        }
        t[i] = Tensor.of(v, s.dims());
      }
      return t;
    }
  }

  static Stream<Case> all() {
    return List.of(
        new Case("Dense", () -> new Dense(5), Inputs.SMOOTH, Shape.of(7)),
        new Case(
            "Dense no bias He",
            () -> new Dense(4, false, Initializer.HE_NORMAL),
            Inputs.SMOOTH,
            Shape.of(6)),
        new Case("ReLU", ReLU::new, Inputs.SMOOTH, Shape.of(3, 4)),
        new Case("LeakyReLU", () -> new LeakyReLU(0.2f), Inputs.SMOOTH, Shape.of(10)),
        new Case("Sigmoid", Sigmoid::new, Inputs.SMOOTH, Shape.of(10)),
        new Case("Tanh", Tanh::new, Inputs.SMOOTH, Shape.of(10)),
        new Case("Softmax", Softmax::new, Inputs.SMOOTH, Shape.of(2, 6)),
        new Case("Dropout", () -> new Dropout(0.3f), Inputs.SMOOTH, Shape.of(12)),
        new Case("BatchNorm features", BatchNorm::new, Inputs.SMOOTH, Shape.of(5)),
        new Case("BatchNorm images", BatchNorm::new, Inputs.SMOOTH, Shape.of(3, 3, 2)),
        new Case("Conv2D same", () -> new Conv2D(4, 3), Inputs.SMOOTH, Shape.of(5, 5, 2)),
        new Case(
            "Conv2D valid stride 2",
            () -> new Conv2D(3, 2, 3, 2, Conv2D.Padding.VALID, Initializer.GLOROT_NORMAL),
            Inputs.SMOOTH,
            Shape.of(6, 7, 2)),
        new Case("MaxPool2D", () -> new MaxPool2D(2), Inputs.DISTINCT, Shape.of(4, 4, 3)),
        new Case(
            "MaxPool2D overlapping", () -> new MaxPool2D(3, 2), Inputs.DISTINCT, Shape.of(5, 5, 2)),
        new Case("Flatten", Flatten::new, Inputs.SMOOTH, Shape.of(3, 2, 2)),
        new Case("Embedding", () -> new Embedding(10, 4), Inputs.IDS, Shape.of(3)),
        new Case("LSTM last step", () -> new LSTM(5), Inputs.SMOOTH, Shape.of(4, 3)),
        new Case("LSTM sequences", () -> new LSTM(3, true), Inputs.SMOOTH, Shape.of(3, 2)),
        new Case("Concat", Concat::new, Inputs.SMOOTH, Shape.of(3), Shape.of(4)),
        new Case("Add", Add::new, Inputs.SMOOTH, Shape.of(5), Shape.of(5), Shape.of(5)),
        new Case("Multiply", Multiply::new, Inputs.SMOOTH, Shape.of(4), Shape.of(4)),
        new Case(
            "LSTM over leading axes", () -> new LSTM(3, true), Inputs.SMOOTH, Shape.of(2, 3, 2)),
        new Case("GRU last step", () -> new GRU(4), Inputs.SMOOTH, Shape.of(4, 3)),
        new Case(
            "GRU sequences reset before",
            () -> new GRU(3, true, false),
            Inputs.SMOOTH,
            Shape.of(3, 2)),
        new Case(
            "GRU over leading axes reset before",
            () -> new GRU(3, false, false),
            Inputs.SMOOTH,
            Shape.of(2, 3, 2)),
        new Case("Conv1D same", () -> new Conv1D(3, 3), Inputs.SMOOTH, Shape.of(6, 2)),
        new Case(
            "Conv1D strided dilated padded",
            () -> new Conv1D(2, 2, 2, 2, 1, 2, Conv2D.Padding.VALID, Initializer.GLOROT_UNIFORM),
            Inputs.SMOOTH,
            Shape.of(7, 3)),
        new Case(
            "Conv2D strides dilations asymmetric pads",
            () ->
                new Conv2D(
                    2,
                    Window.of(2, 3).strides(2, 1).dilations(1, 2).pads(1, 0, 0, 2),
                    Conv2D.Padding.VALID,
                    Initializer.GLOROT_UNIFORM),
            Inputs.SMOOTH,
            Shape.of(5, 6, 2)),
        new Case(
            "MaxPool2D padded dilated ceil",
            () ->
                new MaxPool2D(
                    Window.of(2, 2).strides(2, 2).dilations(1, 2).pads(1, 1, 0, 0).ceilMode(true)),
            Inputs.DISTINCT,
            Shape.of(5, 6, 2)),
        new Case("AveragePool2D", () -> new AveragePool2D(2), Inputs.SMOOTH, Shape.of(4, 4, 3)),
        new Case(
            "AveragePool2D padded ceil",
            () ->
                new AveragePool2D(
                    Window.of(3, 3).strides(2, 2).pads(1, 1, 1, 1).ceilMode(true), false),
            Inputs.SMOOTH,
            Shape.of(5, 6, 2)),
        new Case(
            "AveragePool2D padding counted",
            () -> new AveragePool2D(Window.of(3, 2).strides(2, 1).pads(1, 0, 1, 1), true),
            Inputs.SMOOTH,
            Shape.of(4, 5, 2)),
        new Case("GlobalAveragePool", GlobalAveragePool::new, Inputs.SMOOTH, Shape.of(3, 3, 2)),
        new Case(
            "GlobalAveragePool keep dims 1-D",
            () -> new GlobalAveragePool(true),
            Inputs.SMOOTH,
            Shape.of(4, 3)),
        new Case("LayerNorm", LayerNorm::new, Inputs.SMOOTH, Shape.of(3, 5)),
        new Case(
            "LayerNorm two axes", () -> new LayerNorm(2, 1e-3f), Inputs.SMOOTH, Shape.of(2, 3, 4)),
        new Case(
            "MultiHeadAttention self",
            () -> new MultiHeadAttention(2, 3),
            Inputs.SMOOTH,
            Shape.of(4, 5)),
        new Case(
            "MultiHeadAttention causal",
            () -> new MultiHeadAttention(1, 4, true),
            Inputs.SMOOTH,
            Shape.of(3, 4)),
        new Case(
            "MultiHeadAttention cross",
            () -> new MultiHeadAttention(2, 2),
            Inputs.SMOOTH,
            Shape.of(3, 4),
            Shape.of(5, 3)),
        new Case(
            "TimeDistributed Dense",
            () -> new TimeDistributed(new Dense(3)),
            Inputs.SMOOTH,
            Shape.of(4, 5)),
        new Case(
            "TimeDistributed Conv2D",
            () -> new TimeDistributed(new Conv2D(2, 2)),
            Inputs.SMOOTH,
            Shape.of(2, 3, 3, 2)),
        new Case("Transpose", () -> new Transpose(2, 0, 1), Inputs.SMOOTH, Shape.of(2, 3, 4)),
        new Case("Reshape", () -> new Reshape(4, 6), Inputs.SMOOTH, Shape.of(2, 3, 4)),
        new Case(
            "Gather repeated and negative indices",
            () -> new Gather(1, new int[] {2, -1, 0, 2}, new int[] {2, 2}),
            Inputs.SMOOTH,
            Shape.of(2, 4, 3)),
        new Case(
            "Gather scalar index",
            () -> new Gather(0, new int[] {-1}, new int[0]),
            Inputs.SMOOTH,
            Shape.of(3, 2)),
        new Case("LogSoftmax", LogSoftmax::new, Inputs.SMOOTH, Shape.of(2, 6)),
        new Case("Subtract", Subtract::new, Inputs.SMOOTH, Shape.of(2, 3), Shape.of(2, 3)),
        new Case("Divide", Divide::new, Inputs.POSITIVE, Shape.of(5), Shape.of(5)),
        new Case(
            "Arithmetic add",
            () -> new Arithmetic(Arithmetic.Op.ADD, Shape.of(1, 4)),
            Inputs.SMOOTH,
            Shape.of(3, 4)),
        new Case(
            "Arithmetic sub",
            () -> new Arithmetic(Arithmetic.Op.SUB, Shape.of(3, 1)),
            Inputs.SMOOTH,
            Shape.of(3, 4)),
        new Case(
            "Arithmetic rsub",
            () -> new Arithmetic(Arithmetic.Op.RSUB, Shape.of()),
            Inputs.SMOOTH,
            Shape.of(5)),
        new Case(
            "Arithmetic mul",
            () -> new Arithmetic(Arithmetic.Op.MUL, Shape.of(4)),
            Inputs.SMOOTH,
            Shape.of(2, 4)),
        new Case(
            "Arithmetic div",
            () -> new Arithmetic(Arithmetic.Op.DIV, Shape.of(2, 1, 3)),
            Inputs.SMOOTH,
            Shape.of(2, 2, 3)),
        new Case(
            "Arithmetic rdiv",
            () -> new Arithmetic(Arithmetic.Op.RDIV, Shape.of(3)),
            Inputs.POSITIVE,
            Shape.of(2, 3)),
        new Case("MatMul", MatMul::new, Inputs.SMOOTH, Shape.of(2, 3, 4), Shape.of(2, 4, 2)),
        new Case(
            "MatMul shared matrix", MatMul::new, Inputs.SMOOTH, Shape.of(2, 3, 4), Shape.of(4, 5)),
        new Case("Constant", () -> new Constant(Shape.of(2, 2)), Inputs.SMOOTH, Shape.of(3)),
        new Case("Embedding 2-D ids", () -> new Embedding(10, 3), Inputs.IDS, Shape.of(2, 2)),
        new Case(
            "NormStatistics mean",
            () -> new NormStatistics(2, 1e-5f, NormStatistics.Statistic.MEAN),
            Inputs.SMOOTH,
            Shape.of(2, 3, 4)),
        new Case(
            "NormStatistics inverse std",
            () -> new NormStatistics(1, 1e-3f, NormStatistics.Statistic.INVERSE_STD),
            Inputs.SMOOTH,
            Shape.of(3, 5)))
        .stream();
  }

  private LayerCases() {}
}

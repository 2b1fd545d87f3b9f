package dev.orca.nn.onnx.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Model;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Add;
import dev.orca.nn.layers.Arithmetic;
import dev.orca.nn.layers.AveragePool2D;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Concat;
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
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.LayerNorm;
import dev.orca.nn.layers.LeakyReLU;
import dev.orca.nn.layers.LogSoftmax;
import dev.orca.nn.layers.MatMul;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.MultiHeadAttention;
import dev.orca.nn.layers.Multiply;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.layers.Sigmoid;
import dev.orca.nn.layers.Softmax;
import dev.orca.nn.layers.Subtract;
import dev.orca.nn.layers.Tanh;
import dev.orca.nn.layers.TimeDistributed;
import dev.orca.nn.layers.Transpose;
import dev.orca.nn.layers.Window;
import dev.orca.nn.onnx.proto.OnnxIr.AttributeProto;
import dev.orca.nn.onnx.proto.OnnxIr.GraphProto;
import dev.orca.nn.onnx.proto.OnnxIr.ModelProto;
import dev.orca.nn.onnx.proto.OnnxIr.NodeProto;
import dev.orca.nn.onnx.proto.OnnxIr.OperatorSetIdProto;
import dev.orca.nn.onnx.proto.OnnxIr.TensorProto;
import dev.orca.nn.onnx.proto.OnnxIr.TensorShapeProto;
import dev.orca.nn.onnx.proto.OnnxIr.TypeProto;
import dev.orca.nn.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes an engine model as an ONNX graph of opset {@link #OPSET}. Values keep the engine's layout
 * (batch first, channels-last images): the exported model takes and gives the tensors the engine
 * model does, and Transposes are placed around the operators ONNX defines channels-first.
 */
public final class Exporter {
  public static final int OPSET = 17;
  static final int IR_VERSION = 8;

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Set<String> names = new HashSet<>();
  private final Model model;
  private String layerName;

  private Exporter(Model model) {
    this.model = model;
  }

  /** The ONNX model of {@code model}, with its current weights. */
  public static ModelProto export(Model model, String producerVersion) {
    Exporter e = new Exporter(model);
    e.graph.setName("orca_model");
    for (Model.Node n : model.nodes()) {
      if (n.isInput()) {
        e.names.add(n.name());
        e.graph.addInput(valueInfo(n.name(), n.shape()));
        continue;
      }
      e.layerName = n.name();
      e.names.add(n.name());
      Shape[] in = new Shape[n.inputs().size()];
      for (int i = 0; i < in.length; i++) {
        in[i] = e.shapeOf(n.inputs().get(i));
      }
      e.layer(n.layer(), n.inputs().toArray(new String[0]), in, n.shape(), n.name());
    }
    for (String out : model.outputNames()) {
      e.graph.addOutput(valueInfo(out, e.shapeOf(out)));
    }
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("Orca nn-engine")
        .setProducerVersion(producerVersion)
        .setGraph(e.graph)
        .build();
  }

  private Shape shapeOf(String node) {
    for (Model.Node n : model.nodes()) {
      if (n.name().equals(node)) {
        return n.shape();
      }
    }
    throw new IllegalStateException("no node " + node);
  }

  private static ValueInfoProto valueInfo(String name, Shape sample) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    for (int d : sample.dims()) {
      s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(s)))
        .build();
  }

  // ---- graph building ---------------------------------------------------------------------

  private String fresh(String hint) {
    String base = layerName + "/" + hint;
    String n = base;
    for (int k = 1; !names.add(n); k++) {
      n = base + "_" + k;
    }
    return n;
  }

  /** Adds a node; returns its (first) output name, {@code out} or a fresh one. */
  private String node(String op, String out, List<String> inputs, AttributeProto... attributes) {
    String o = out != null ? out : fresh(op.toLowerCase());
    NodeProto.Builder n =
        NodeProto.newBuilder().setOpType(op).setName(fresh("node_" + op)).addOutput(o);
    n.addAllInput(inputs);
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return o;
  }

  private String weight(String param, int[] dims, float[] values) {
    String n = fresh(param);
    graph.addInitializer(Const.floatTensor(n, dims, values));
    return n;
  }

  private String longs(String hint, long... values) {
    String n = fresh(hint);
    graph.addInitializer(Const.longTensor(n, new int[] {values.length}, values));
    return n;
  }

  private float[] param(String name) {
    return model.parameter(layerName, name).toArray();
  }

  private float[] state(String name) {
    return model.state(layerName, name).toArray();
  }

  static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  static AttributeProto integer(String name, long v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  static AttributeProto real(String name, float v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(v)
        .build();
  }

  private static long[] perm(int... p) {
    long[] l = new long[p.length];
    for (int i = 0; i < p.length; i++) {
      l[i] = p[i];
    }
    return l;
  }

  private String transpose(String x, int... perm) {
    return node("Transpose", null, List.of(x), ints("perm", perm(perm)));
  }

  private String reshape(String x, String out, int... sample) {
    long[] s = new long[sample.length + 1];
    s[0] = -1;
    for (int i = 0; i < sample.length; i++) {
      s[i + 1] = sample[i];
    }
    return node("Reshape", out, List.of(x, longs("shape", s)));
  }

  private OrcaConfigurationException cannot(Layer layer, String why) {
    return new OrcaConfigurationException(
        "layer '"
            + layerName
            + "' ("
            + layer.getClass().getSimpleName()
            + ") cannot be exported to ONNX"
            + (why.isEmpty() ? "" : ": " + why));
  }

  // ---- layers -------------------------------------------------------------------------------

  /**
   * Writes {@code layer} reading {@code in} (per-sample shapes {@code shapes}) into {@code out}.
   */
  private void layer(Layer layer, String[] in, Shape[] shapes, Shape outShape, String out) {
    String x = in[0];
    Shape s = shapes[0];
    int r = s.rank() + 1;
    if (layer instanceof Dense d) {
      if (s.rank() != 1) {
        throw cannot(layer, "a Dense on " + s);
      }
      String w = weight("kernel", new int[] {s.dim(0), d.units()}, param("kernel"));
      List<String> args =
          hasParam("bias")
              ? List.of(x, w, weight("bias", new int[] {d.units()}, param("bias")))
              : List.of(x, w);
      node("Gemm", out, args);
    } else if (layer instanceof TimeDistributed td) {
      int[] rest = s.dropFirst().dims();
      String flat = reshape(x, null, rest);
      String inner = fresh("inner");
      layer(
          td.inner(),
          new String[] {flat},
          new Shape[] {s.dropFirst()},
          outShape.dropFirst(),
          inner);
      reshape(inner, out, outShape.dims());
    } else if (layer instanceof ReLU) {
      node("Relu", out, List.of(x));
    } else if (layer instanceof Sigmoid) {
      node("Sigmoid", out, List.of(x));
    } else if (layer instanceof Tanh) {
      node("Tanh", out, List.of(x));
    } else if (layer instanceof LeakyReLU l) {
      node("LeakyRelu", out, List.of(x), real("alpha", l.alpha()));
    } else if (layer instanceof Softmax) {
      node("Softmax", out, List.of(x), integer("axis", -1));
    } else if (layer instanceof LogSoftmax) {
      node("LogSoftmax", out, List.of(x), integer("axis", -1));
    } else if (layer instanceof Dropout) {
      node("Identity", out, List.of(x));
    } else if (layer instanceof Flatten) {
      node("Flatten", out, List.of(x), integer("axis", 1));
    } else if (layer instanceof Reshape) {
      reshape(x, out, outShape.dims());
    } else if (layer instanceof Add || layer instanceof Multiply) {
      String op = layer instanceof Add ? "Add" : "Mul";
      String acc = x;
      for (int i = 1; i < in.length; i++) {
        acc = node(op, i == in.length - 1 ? out : null, List.of(acc, in[i]));
      }
    } else if (layer instanceof Subtract) {
      node("Sub", out, List.of(x, in[1]));
    } else if (layer instanceof Divide) {
      node("Div", out, List.of(x, in[1]));
    } else if (layer instanceof MatMul) {
      node("MatMul", out, List.of(x, in[1]));
    } else if (layer instanceof Concat) {
      node("Concat", out, List.of(in), integer("axis", -1));
    } else if (layer instanceof Transpose t) {
      int[] p = t.perm();
      int[] full = new int[p.length + 1];
      for (int i = 0; i < p.length; i++) {
        full[i + 1] = p[i] + 1;
      }
      node("Transpose", out, List.of(x), ints("perm", perm(full)));
    } else if (layer instanceof Gather g) {
      long[] idx = new long[g.indices().length];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = g.indices()[i];
      }
      String ids = fresh("indices");
      graph.addInitializer(Const.longTensor(ids, g.indicesShape(), idx));
      node("Gather", out, List.of(x, ids), integer("axis", g.axis() + 1));
    } else if (layer instanceof Arithmetic a) {
      arithmetic(a, x, out);
    } else if (layer instanceof Embedding e) {
      String ids = node("Cast", null, List.of(x), integer("to", TensorProto.DataType.INT64_VALUE));
      String table =
          weight("embeddings", new int[] {e.inputDim(), e.outputDim()}, param("embeddings"));
      node("Gather", out, List.of(table, ids), integer("axis", 0));
    } else if (layer instanceof Conv2D c) {
      conv2d(c, x, s, out);
    } else if (layer instanceof Conv1D c) {
      conv1d(c, x, s, out);
    } else if (layer instanceof MaxPool2D p) {
      pool("MaxPool", p.window(), false, x, out, true);
    } else if (layer instanceof AveragePool2D p) {
      if (p.window().dilations()[0] != 1 || p.window().dilations()[1] != 1) {
        throw cannot(layer, "AveragePool has dilations only from opset 19");
      }
      pool("AveragePool", p.window(), p.countIncludePad(), x, out, false);
    } else if (layer instanceof GlobalAveragePool g) {
      long[] axes = new long[r - 2];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i + 1;
      }
      node(
          "ReduceMean",
          out,
          List.of(x),
          ints("axes", axes),
          integer("keepdims", g.keepDims() ? 1 : 0));
    } else if (layer instanceof BatchNorm b) {
      batchNorm(b, x, r, out);
    } else if (layer instanceof LayerNorm l) {
      int[] nd = java.util.Arrays.copyOfRange(s.dims(), s.rank() - l.axes(), s.rank());
      node(
          "LayerNormalization",
          out,
          List.of(x, weight("gamma", nd, param("gamma")), weight("beta", nd, param("beta"))),
          integer("axis", -l.axes()),
          real("epsilon", l.epsilon()));
    } else if (layer instanceof LSTM l) {
      recurrent(layer, l.units(), l.returnSequences(), true, false, x, s, out);
    } else if (layer instanceof GRU g) {
      recurrent(layer, g.units(), g.returnSequences(), false, g.resetAfter(), x, s, out);
    } else if (layer instanceof MultiHeadAttention m) {
      Attention.export(this, m, in, shapes, out);
    } else {
      throw cannot(layer, "no ONNX form is written for it yet");
    }
  }

  private boolean hasParam(String name) {
    try {
      model.parameter(layerName, name);
      return true;
    } catch (OrcaConfigurationException e) {
      return false;
    }
  }

  private void arithmetic(Arithmetic a, String x, String out) {
    String w = weight("operand", a.operandShape().dims(), param("operand"));
    switch (a.op()) {
      case ADD -> node("Add", out, List.of(x, w));
      case SUB -> node("Sub", out, List.of(x, w));
      case RSUB -> node("Sub", out, List.of(w, x));
      case MUL -> node("Mul", out, List.of(x, w));
      case DIV -> node("Div", out, List.of(x, w));
      default -> node("Div", out, List.of(w, x));
    }
  }

  /** Explicit pads (top, left, bottom, right) of a window on an h x w image. */
  private static int[] pads(Window win, boolean same, int h, int w) {
    if (!same) {
      return win.pads();
    }
    int[] k = win.kernel();
    int[] st = win.strides();
    int[] d = win.dilations();
    int[] in = {h, w};
    int[] p = new int[4];
    for (int i = 0; i < 2; i++) {
      int out = (in[i] + st[i] - 1) / st[i];
      int total = Math.max((out - 1) * st[i] + (k[i] - 1) * d[i] + 1 - in[i], 0);
      p[i] = total / 2;
      p[i + 2] = total - total / 2;
    }
    return p;
  }

  private void conv2d(Conv2D c, String x, Shape s, String out) {
    Window win = c.window();
    int[] k = win.kernel();
    int ch = s.dim(2);
    int f = c.filters();
    float[] w =
        Layout.permute(param("kernel"), new int[] {k[0], k[1], ch, f}, new int[] {3, 2, 0, 1});
    int[] p = pads(win, c.padding() == Conv2D.Padding.SAME, s.dim(0), s.dim(1));
    String nchw = transpose(x, 0, 3, 1, 2);
    String y =
        node(
            "Conv",
            null,
            List.of(
                nchw,
                weight("kernel", new int[] {f, ch, k[0], k[1]}, w),
                weight("bias", new int[] {f}, param("bias"))),
            ints("kernel_shape", k[0], k[1]),
            ints("strides", win.strides()[0], win.strides()[1]),
            ints("dilations", win.dilations()[0], win.dilations()[1]),
            ints("pads", p[0], p[1], p[2], p[3]));
    node("Transpose", out, List.of(y), ints("perm", 0, 2, 3, 1));
  }

  private void conv1d(Conv1D c, String x, Shape s, String out) {
    int k = c.kernel();
    int ch = s.dim(1);
    int f = c.filters();
    float[] w = Layout.permute(param("kernel"), new int[] {k, ch, f}, new int[] {2, 1, 0});
    int[] p;
    if (c.padding() == Conv2D.Padding.SAME) {
      int steps = s.dim(0);
      int outSteps = (steps + c.stride() - 1) / c.stride();
      int total = Math.max((outSteps - 1) * c.stride() + (k - 1) * c.dilation() + 1 - steps, 0);
      p = new int[] {total / 2, total - total / 2};
    } else {
      p = c.pads();
    }
    String ncl = transpose(x, 0, 2, 1);
    String y =
        node(
            "Conv",
            null,
            List.of(
                ncl,
                weight("kernel", new int[] {f, ch, k}, w),
                weight("bias", new int[] {f}, param("bias"))),
            ints("kernel_shape", k),
            ints("strides", c.stride()),
            ints("dilations", c.dilation()),
            ints("pads", p[0], p[1]));
    node("Transpose", out, List.of(y), ints("perm", 0, 2, 1));
  }

  private void pool(String op, Window win, boolean countPad, String x, String out, boolean max) {
    int[] k = win.kernel();
    int[] p = win.pads();
    String nchw = transpose(x, 0, 3, 1, 2);
    AttributeProto extra =
        max
            ? ints("dilations", win.dilations()[0], win.dilations()[1])
            : integer("count_include_pad", countPad ? 1 : 0);
    String y =
        node(
            op,
            null,
            List.of(nchw),
            ints("kernel_shape", k[0], k[1]),
            ints("strides", win.strides()[0], win.strides()[1]),
            ints("pads", p[0], p[1], p[2], p[3]),
            integer("ceil_mode", win.ceil() ? 1 : 0),
            extra);
    node("Transpose", out, List.of(y), ints("perm", 0, 2, 3, 1));
  }

  private void batchNorm(BatchNorm b, String x, int r, String out) {
    int c = model.parameter(layerName, "gamma").size();
    List<String> params =
        List.of(
            weight("gamma", new int[] {c}, param("gamma")),
            weight("beta", new int[] {c}, param("beta")),
            weight("moving_mean", new int[] {c}, state("moving_mean")),
            weight("moving_variance", new int[] {c}, state("moving_variance")));
    AttributeProto eps = real("epsilon", b.epsilon());
    AttributeProto momentum = real("momentum", b.momentum());
    if (r == 2) {
      node("BatchNormalization", out, cat(x, params), eps, momentum);
      return;
    }
    int[] first = new int[r];
    int[] back = new int[r];
    first[1] = r - 1;
    for (int i = 2; i < r; i++) {
      first[i] = i - 1;
    }
    for (int i = 1; i < r - 1; i++) {
      back[i] = i + 1;
    }
    back[r - 1] = 1;
    String y = node("BatchNormalization", null, cat(transpose(x, first), params), eps, momentum);
    node("Transpose", out, List.of(y), ints("perm", perm(back)));
  }

  private static List<String> cat(String x, List<String> rest) {
    List<String> all = new java.util.ArrayList<>();
    all.add(x);
    all.addAll(rest);
    return all;
  }

  /** Engine LSTM gate g (i, f, c, o) is ONNX gate ONNX_LSTM[g] (i, o, f, c). */
  private static final int[] ONNX_LSTM = {0, 2, 3, 1};

  private void recurrent(
      Layer layer,
      int h,
      boolean sequences,
      boolean lstm,
      boolean resetAfter,
      String x,
      Shape s,
      String out) {
    if (s.rank() != 2) {
      throw cannot(layer, "only (steps, features) samples, got " + s);
    }
    int f = s.dim(1);
    int gates = lstm ? 4 : 3;
    float[] kernel = param("kernel");
    float[] rec = param("recurrent_kernel");
    float[] bias = param("bias");
    float[] w = new float[gates * h * f];
    float[] r = new float[gates * h * h];
    float[] b = new float[2 * gates * h];
    for (int g = 0; g < gates; g++) {
      int dst = lstm ? ONNX_LSTM[g] : g;
      for (int u = 0; u < h; u++) {
        int row = dst * h + u;
        int col = g * h + u;
        for (int i = 0; i < f; i++) {
          w[row * f + i] = kernel[i * gates * h + col];
        }
        for (int k = 0; k < h; k++) {
          r[row * h + k] = rec[k * gates * h + col];
        }
        b[row] = bias[col];
        b[gates * h + row] = lstm ? 0f : bias[gates * h + col];
      }
    }
    String tmajor = transpose(x, 1, 0, 2);
    String yAll = fresh("y");
    String yLast = fresh("y_h");
    NodeProto.Builder n =
        NodeProto.newBuilder()
            .setOpType(lstm ? "LSTM" : "GRU")
            .setName(fresh("node_rnn"))
            .addInput(tmajor)
            .addInput(weight("W", new int[] {1, gates * h, f}, w))
            .addInput(weight("R", new int[] {1, gates * h, h}, r))
            .addInput(weight("B", new int[] {1, 2 * gates * h}, b))
            .addOutput(yAll)
            .addOutput(yLast)
            .addAttribute(integer("hidden_size", h));
    if (!lstm) {
      n.addAttribute(integer("linear_before_reset", resetAfter ? 1 : 0));
    }
    graph.addNode(n);
    if (sequences) {
      String squeezed = node("Squeeze", null, List.of(yAll, longs("axes", 1)));
      node("Transpose", out, List.of(squeezed), ints("perm", 1, 0, 2));
    } else {
      node("Squeeze", out, List.of(yLast, longs("axes", 0)));
    }
  }

  // for Attention
  String nodeFor(String op, String out, List<String> inputs, AttributeProto... attributes) {
    return node(op, out, inputs, attributes);
  }

  String weightFor(String param, int[] dims) {
    Tensor t = model.parameter(layerName, param);
    return weight(param, dims, t.toArray());
  }

  String longsFor(String hint, long... values) {
    return longs(hint, values);
  }

  String floatFor(String hint, int[] dims, float[] values) {
    return weight(hint, dims, values);
  }
}

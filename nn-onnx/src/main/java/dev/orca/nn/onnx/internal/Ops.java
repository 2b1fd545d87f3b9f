package dev.orca.nn.onnx.internal;

import dev.orca.nn.GraphModel;
import dev.orca.nn.Shape;
import dev.orca.nn.layers.Add;
import dev.orca.nn.layers.Arithmetic;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Divide;
import dev.orca.nn.layers.Dropout;
import dev.orca.nn.layers.Initializer;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.LeakyReLU;
import dev.orca.nn.layers.LogSoftmax;
import dev.orca.nn.layers.MatMul;
import dev.orca.nn.layers.Multiply;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.layers.Sigmoid;
import dev.orca.nn.layers.Softmax;
import dev.orca.nn.layers.Subtract;
import dev.orca.nn.layers.Tanh;
import dev.orca.nn.layers.TimeDistributed;
import dev.orca.nn.layers.Transpose;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The ONNX operators the importer translates, each into engine layers (every one of which has a
 * backward pass, so an imported model trains) or, for shape arithmetic on constants, into a folded
 * constant.
 */
final class Ops {
  /** Translates the current node of a {@link Translation}. */
  interface Op {
    void translate(Translation t);
  }

  /** Every supported operator, by name. */
  static final Map<String, Op> ALL;

  /** Operators only folded when their inputs are constants (shape arithmetic of exporters). */
  static final java.util.Set<String> FOLDED_ONLY =
      java.util.Set.of("Shape", "Expand", "ConstantOfShape", "Cast", "Pad");

  static {
    Map<String, Op> m = new TreeMap<>();
    m.put("Relu", t -> unary(t, ReLU::new));
    m.put("Sigmoid", t -> unary(t, Sigmoid::new));
    m.put("Tanh", t -> unary(t, Tanh::new));
    m.put("LeakyRelu", t -> unary(t, () -> new LeakyReLU(t.real("alpha", 0.01f))));
    m.put("Softmax", t -> softmax(t, false));
    m.put("LogSoftmax", t -> softmax(t, true));
    m.put("Identity", t -> t.out(0, t.required(0, "input")));
    m.put("Dropout", Ops::dropout);
    m.put("Add", t -> binary(t, Arithmetic.Op.ADD));
    m.put("Sub", t -> binary(t, Arithmetic.Op.SUB));
    m.put("Mul", t -> binary(t, Arithmetic.Op.MUL));
    m.put("Div", t -> binary(t, Arithmetic.Op.DIV));
    m.put("Gemm", Ops::gemm);
    m.put("MatMul", Ops::matMul);
    ShapeOps.register(m);
    ImageOps.register(m);
    RecurrentOps.register(m);
    ALL = Collections.unmodifiableMap(m);
  }

  private Ops() {}

  /** The operators a user can rely on (folded-only ones excluded), in alphabetical order. */
  static String supported() {
    return String.join(", ", ALL.keySet().stream().filter(k -> !FOLDED_ONLY.contains(k)).toList());
  }

  static void unary(Translation t, Supplier<Layer> layer) {
    Value v = t.required(0, "input");
    if (v.isConstant()) {
      throw t.unsupported("its input is a constant; the importer computes only on model inputs");
    }
    t.out(0, t.computed(t.apply(layer.get(), null, v.node), v.dims, v.batchAxis, v.order));
  }

  static void softmax(Translation t, boolean log) {
    Value v = t.required(0, "input");
    int a = t.axis(t.integer("axis", t.opset < 13 ? 1 : -1), v.rank());
    if (t.opset < 13 && a != v.rank() - 1) {
      throw t.unsupported(
          "before opset 13 Softmax flattens the axes from "
              + a
              + " on; only the last axis is supported there");
    }
    t.notBatch(v, a, "the softmax");
    int[] order = v.order;
    if (v.position(a) != order.length - 1) {
      order = moveLast(v.order, a);
    }
    GraphModel.Node n = t.apply(log ? new LogSoftmax() : new Softmax(), null, t.arrange(v, order));
    t.out(0, t.computed(n, v.dims, v.batchAxis, order));
  }

  /** {@code order} with {@code axis} moved to the end. */
  static int[] moveLast(int[] order, int axis) {
    int[] o = new int[order.length];
    int k = 0;
    for (int x : order) {
      if (x != axis) {
        o[k++] = x;
      }
    }
    o[k] = axis;
    return o;
  }

  static void dropout(Translation t) {
    Value v = t.required(0, "input");
    if (t.used(1)) {
      throw t.unsupported("its mask output is used; the engine's Dropout keeps its mask inside");
    }
    Value training = t.in(2);
    if (training != null && (!training.isConstant() || !training.constant.allEqual(0))) {
      throw t.unsupported(
          "training_mode is set; the engine decides by itself whether a pass trains");
    }
    float ratio = t.real("ratio", 0.5f);
    Value r = t.in(1);
    if (r != null) {
      ratio = (float) t.constant(1, "ratio").get(0);
    }
    if (!(ratio >= 0 && ratio < 1)) {
      throw t.unsupported("ratio " + ratio + " is outside [0, 1)");
    }
    float rate = ratio;
    unary(t, () -> new Dropout(rate));
  }

  // ---- arithmetic -------------------------------------------------------------------------

  static void binary(Translation t, Arithmetic.Op op) {
    Value a = t.required(0, "A");
    Value b = t.required(1, "B");
    if (a.isConstant() && b.isConstant()) {
      t.out(0, Value.of(Fold.arithmetic(t, op, a.constant, b.constant)));
      return;
    }
    if (!a.isConstant() && !b.isConstant()) {
      if (!Arrays.equals(a.dims, b.dims) || a.batchAxis != b.batchAxis) {
        throw t.unsupported(
            "it broadcasts "
                + Arrays.toString(a.dims)
                + " against "
                + Arrays.toString(b.dims)
                + "; two computed tensors must have the same shape (-1 is the batch)");
      }
      Layer layer =
          switch (op) {
            case ADD -> new Add();
            case SUB -> new Subtract();
            case MUL -> new Multiply();
            default -> new Divide();
          };
      GraphModel.Node n = t.apply(layer, null, a.node, t.arrange(b, a.order));
      t.out(0, t.computed(n, a.dims, a.batchAxis, a.order));
      return;
    }
    boolean constantFirst = a.isConstant();
    Value v = constantFirst ? b : a;
    Const c = constantFirst ? a.constant : b.constant;
    Arithmetic.Op applied = op;
    if (constantFirst && op == Arithmetic.Op.SUB) {
      applied = Arithmetic.Op.RSUB;
    } else if (constantFirst && op == Arithmetic.Op.DIV) {
      applied = Arithmetic.Op.RDIV;
    }
    withOperand(t, v, c, applied, null);
  }

  /** {@code v op c} through an Arithmetic layer whose operand starts as {@code c}. */
  static void withOperand(Translation t, Value v, Const c, Arithmetic.Op op, String suffix) {
    int r = v.rank();
    if (c.dims.length > r) {
      throw t.unsupported("its constant operand has more axes than the tensor it applies to");
    }
    int[] full = new int[r];
    Arrays.fill(full, 1);
    System.arraycopy(c.dims, 0, full, r - c.dims.length, c.dims.length);
    for (int i = 0; i < r; i++) {
      boolean fits = full[i] == 1 || (i != v.batchAxis && full[i] == v.dims[i]);
      if (!fits) {
        throw t.unsupported(
            "its constant operand "
                + Arrays.toString(c.dims)
                + " does not broadcast over "
                + Arrays.toString(v.dims)
                + " (-1 is the batch) without growing it");
      }
    }
    float[] data = c.floats("the constant operand");
    Shape operand;
    float[] values;
    if (data.length == 1) {
      operand = Shape.of();
      values = data;
    } else {
      values = Layout.permute(data, full, v.order);
      int[] d = new int[v.order.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = full[v.order[i]];
      }
      operand = Shape.of(d);
    }
    GraphModel.Node n = t.apply(new Arithmetic(op, operand), suffix, v.node);
    t.weight(n.name(), "operand", values);
    t.out(0, t.computed(n, v.dims, v.batchAxis, v.order));
  }

  // ---- matrix products ---------------------------------------------------------------------

  static void gemm(Translation t) {
    Value a = t.required(0, "A");
    Const b = t.constant(1, "B");
    Value cv = t.in(2);
    if (a.isConstant() || a.rank() != 2 || b.dims.length != 2) {
      throw t.unsupported("it needs a computed 2-D A and a constant 2-D B");
    }
    boolean transA = t.integer("transA", 0) != 0;
    boolean transB = t.integer("transB", 0) != 0;
    float alpha = t.real("alpha", 1f);
    float beta = t.real("beta", 1f);
    int k = transB ? b.dims[1] : b.dims[0];
    int n = transB ? b.dims[0] : b.dims[1];
    GraphModel.Node x;
    int m;
    if (a.batchAxis >= 0) {
      if (a.batchAxis != 0 || transA) {
        throw t.unsupported("transA would move the batch: A's rows must be the samples");
      }
      x = a.node;
      m = Const.BATCH;
    } else {
      x = t.arrange(a, new int[] {0, 1});
      if (transA) {
        x = t.apply(new Transpose(1, 0), "transpose", x);
      }
      m = transA ? a.dims[1] : a.dims[0];
    }
    int aK = transA ? a.dims[0] : a.dims[1];
    if (aK != k) {
      throw t.unsupported("A has " + aK + " columns but B " + k + " rows");
    }
    float[] w = Layout.permute(b.floats("B"), b.dims, transB ? new int[] {1, 0} : new int[] {0, 1});
    for (int i = 0; i < w.length; i++) {
      w[i] *= alpha;
    }
    Const c = cv == null ? null : cv.constant;
    if (cv != null && c == null) {
      throw t.unsupported("its C must be a constant");
    }
    boolean rowBias =
        c != null && (c.size() == 1 || c.size() == n && c.dims[c.dims.length - 1] == n);
    Dense dense = new Dense(n, rowBias, Initializer.GLOROT_UNIFORM);
    Layer layer = a.batchAxis >= 0 ? dense : new TimeDistributed(dense);
    GraphModel.Node out = t.apply(layer, null, x);
    t.weight(out.name(), "kernel", w);
    if (rowBias) {
      float[] bias = new float[n];
      for (int j = 0; j < n; j++) {
        bias[j] = beta * (float) c.get(c.size() == 1 ? 0 : j);
      }
      t.weight(out.name(), "bias", bias);
    }
    int[] dims = {m, n};
    Value y =
        t.computed(
            out, dims, a.batchAxis >= 0 ? 0 : -1, Value.natural(2, a.batchAxis >= 0 ? 0 : -1));
    if (c != null && !rowBias) {
      float[] scaled = c.floats("C");
      double[] s = new double[scaled.length];
      for (int i = 0; i < s.length; i++) {
        s[i] = beta * scaled[i];
      }
      withOperand(t, y, new Const(c.dims, s, false), Arithmetic.Op.ADD, "bias");
      return;
    }
    t.out(0, y);
  }

  static void matMul(Translation t) {
    Value a = t.required(0, "A");
    Value b = t.required(1, "B");
    if (a.isConstant() && b.isConstant()) {
      throw t.unsupported("both operands are constants");
    }
    if (a.rank() < 2 || b.rank() < 2) {
      throw t.unsupported("1-D operands are not supported");
    }
    if (a.isConstant()) {
      // a constant left operand joins as a Constant layer (only without a batch axis)
      a = Value.computed(t.materialize(a.constant, a.natural()), a.dims, -1, a.natural());
    }
    t.notBatch(a, a.rank() - 1, "the product");
    if (b.isConstant() && b.rank() > 2) {
      // a stack of matrices, one per leading index: a Constant layer (only without a batch axis)
      b = Value.computed(t.materialize(b.constant, b.natural()), b.dims, -1, b.natural());
    }
    if (b.isConstant()) {
      if (b.rank() != 2) {
        throw t.unsupported("a constant B must be a matrix");
      }
      Const w = b.constant;
      denseOnLastAxis(t, a, w.dims[1], w.floats("B"), null, null);
      return;
    }
    if (a.rank() != b.rank() || a.batchAxis != b.batchAxis) {
      throw t.unsupported("two computed operands need the same rank and batch axis");
    }
    int r = a.rank();
    t.notBatch(a, r - 2, "the product");
    GraphModel.Node x = t.arrange(a, a.natural());
    GraphModel.Node y = t.arrange(b, b.natural());
    GraphModel.Node out = t.apply(new MatMul(), null, x, y);
    int[] dims = a.dims.clone();
    dims[r - 1] = b.dims[r - 1];
    t.out(0, t.computed(out, dims, a.batchAxis, a.natural()));
  }

  /**
   * {@code v x W (+ bias)} over the last ONNX axis of {@code v}: a Dense on per-sample vectors, a
   * TimeDistributed Dense on matrices, with reshapes around it for more axes.
   */
  static void denseOnLastAxis(
      Translation t, Value v, int units, float[] kernel, float[] bias, String suffix) {
    int[] order = v.natural();
    GraphModel.Node x = t.arrange(v, order);
    int[] sample = v.sampleDims(order);
    boolean useBias = bias != null;
    Dense dense = new Dense(units, useBias, Initializer.GLOROT_UNIFORM);
    GraphModel.Node out;
    String name;
    if (sample.length == 1) {
      out = t.apply(dense, suffix, x);
      name = out.name();
    } else {
      int k = sample[sample.length - 1];
      int lead = Layout.product(sample, 0, sample.length - 1);
      if (sample.length > 2) {
        x = t.apply(new Reshape(lead, k), "flatten", x);
      }
      out = t.apply(new TimeDistributed(dense), suffix, x);
      name = out.name();
      if (sample.length > 2) {
        int[] back = sample.clone();
        back[back.length - 1] = units;
        out = t.apply(new Reshape(back), "unflatten", out);
      }
    }
    t.weight(name, "kernel", kernel);
    if (useBias) {
      t.weight(name, "bias", bias);
    }
    int[] dims = v.dims.clone();
    dims[dims.length - 1] = units;
    t.out(0, t.computed(out, dims, v.batchAxis, order));
  }
}
